#pragma once
// Applying filters to pictures and showing the results: the "take a photo, run an edge detector
// over it" experiment, done with the framework's own Conv2d.
#include <string>
#include <utility>
#include <vector>

#include "minicnn/vision/filters.hpp"
#include "minicnn/io/image_io.hpp"

namespace minicnn {

// How a filter response (any real numbers) becomes a 0..255 pixel:
enum class Mapping {
  clip,    // round(clamp(v, 0, 255)): the response in pixel units; right for blurs, sharpen, emboss
  abs,     // round(255 * min(1, |v| / q)), q the 99.5th percentile of |v|: edge strength, strong edges
           // white (the top 0.5% saturate, so a zero-padded border cannot darken the rest); high-pass default
  minmax,  // round(255 * (v - min) / (max - min)): the full signed range, zero somewhere in the grey
};
Mapping parse_mapping(const std::string& name);  // "clip", "abs", "minmax"; throws std::invalid_argument
const char* mapping_name(Mapping m);
Mapping default_mapping(filters::Kind kind);     // high-pass: abs; low-pass and other: clip
Tensor map_to_pixels(const Tensor& response, Mapping m);  // (H, W) -> (H, W) in [0, 255], rounded

// Runs the named filters over a grayscale (H, W) image with zero padding that keeps the size;
// returns the responses (K, H, W).
Tensor apply_filters(const Tensor& gray, const std::vector<std::string>& names);

// The largest kernel side `parse_kernel` takes: 15x15 is larger than any kernel a course shows.
constexpr std::size_t kMaxKernelSide = 15;
// A kernel written out as values, as `minicnn filters apply --kernel` takes it: rows separated by
// ';', values by ',', each value a number or a fraction "a/b" ("0,-1,0;-1,5,-1;0,-1,0",
// "1/9,1/9,1/9;1/9,1/9,1/9;1/9,1/9,1/9"); any rectangle up to 15x15. Throws std::invalid_argument
// saying what is wrong (no values, a value that is not a number, rows of different lengths, a
// side over 15), without naming the option: the caller does.
Tensor parse_kernel(const std::string& rows);
// The padding that keeps the size for a kernel side k, as Conv2d pads both sides alike: (k - 1) / 2.
// For an odd k the output is as large as the input; for an even k it is one pixel smaller.
std::size_t same_padding(std::size_t k);
// An image's channels as floats in [0, 1] (pixel / 255): (C, H, W), C = 1 for a grey image.
Tensor image_planes(const Image& image);
// One kernel (KH, KW) over each channel of planes (C, H, W) alone, computed by Conv2d(1, 1, (KH, KW),
// stride, padding, bias=false): the cross-correlation with zeros outside the image, (C, OH, OW) with
// OH = (H + 2 padding.h - KH) / stride + 1. Throws std::invalid_argument when the padded image is
// smaller than the kernel.
Tensor apply_kernel(const Tensor& planes, const Tensor& kernel, std::size_t stride, Size2 padding);
// Responses (C, H, W) to planes in [0, 1] as a picture: each channel times 255 (pixel units), then mapped.
Image response_image(const Tensor& responses, Mapping m);

// Panels side by side, each with its label (one or more lines, split at '\n') above it and an
// optional small picture beside the label (e.g. the kernel that made the panel); gray panels
// become RGB. A footnote, if given, goes under the panels.
struct Panel {
  std::string label;
  Image image;
  Image inset = {};  // drawn left of the label when not empty
};
Image montage(const std::vector<Panel>& panels, const std::string& footnote = "");

// A kernel as a small picture with its values written in each cell (blue < 0 < red), for a
// montage of filter results. Kernels larger than 5x5 get no numbers, only colours.
Image kernel_card(const Tensor& kernel);

// The activation maps (C, H, W) of one sample as a grid of grayscale tiles, each stretched to its
// own min..max and enlarged by nearest neighbour to at least min_tile pixels; a title above, each
// map's channel number over it, and a legend under the grid. With kernels (C, Cin, KH, KW), the
// conv layer that made the maps, each map's kernel is drawn small beside its number.
Image render_feature_maps(const Tensor& maps, const std::string& title, std::size_t min_tile = 64,
                          const Tensor* kernels = nullptr);

}  // namespace minicnn
