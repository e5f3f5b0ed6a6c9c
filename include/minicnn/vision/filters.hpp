#pragma once
// The hand-coded filter bank: classical kernels people design by hand, to put into a Conv2d, to
// apply to pictures, and to compare with what a network learns.
//
// Every kernel is written as Conv2d uses it: a CROSS-CORRELATION, y[i, j] = sum k[a, b] x[i + a - c, j + b - c]
// with c the centre. So sobel_x, whose right column is positive, responds positively where the
// image gets brighter to the right: to a vertical edge.
#include <memory>
#include <string>
#include <vector>

#include "minicnn/layers/conv2d.hpp"

namespace minicnn::filters {

// What a kernel does to the frequencies of an image. One rule, kind_of(), decides it for every
// kernel: the bank's filters, `minicnn filters list`, `analyze` and the compare report all use it.
// With r = sum(w) / sum(|w|) (a flat image's response over the largest response any image of the
// same contrast can give):
enum class Kind {
  low_pass,   // |r| >= 0.5: mostly one sign, a weighted average: keeps flat areas, smooths (blurs)
  high_pass,  // |r| <= 0.1: flat areas give (nearly) 0, only changes remain (edges, texture)
  mixed,      // in between: keeps flat areas but boosts changes (sharpen, emboss: sum 1, sum |w| 9)
  all_pass,   // one non-zero weight: the image unchanged (identity), shifted or scaled
};
const char* kind_name(Kind k);  // "low-pass", "high-pass", "mixed", "all-pass"
Kind kind_of(const Tensor& kernel);  // any (KH, KW) kernel, hand-coded or learned

struct Filter {
  std::string name;         // e.g. "sobel_x"
  std::string description;  // one line: what it detects or does
  Kind kind;
  Tensor kernel;            // (K, K)
};

// The kernels, by themselves.
Tensor identity();
Tensor box_blur();             // 3x3 mean
Tensor gaussian3();            // [1 2 1]^T [1 2 1] / 16
Tensor gaussian5();            // [1 4 6 4 1]^T [1 4 6 4 1] / 256
Tensor sharpen();              // [0 -1 0; -1 5 -1; 0 -1 0]
Tensor laplacian8();           // [-1 -1 -1; -1 8 -1; -1 -1 -1], the "edge" detector
Tensor laplacian4();           // [0 -1 0; -1 4 -1; 0 -1 0]
Tensor sobel_x();              // [-1 0 1; -2 0 2; -1 0 1]
Tensor sobel_y();              // sobel_x transposed: responds to horizontal edges (brighter below)
Tensor prewitt_x();
Tensor prewitt_y();
Tensor scharr_x();             // [-3 0 3; -10 0 10; -3 0 3]: Sobel with better rotational symmetry
Tensor scharr_y();
Tensor emboss();               // [-2 -1 0; -1 1 1; 0 1 2]
// A zero-mean Gabor kernel: a cosine wave at orientation theta (degrees; 0 = a vertical stripe
// pattern, varying along x) under a Gaussian envelope. size odd; wavelength in pixels.
Tensor gabor(std::size_t size, float theta_degrees, float wavelength = 4.f, float sigma = 0.f, float gamma = 1.f);

// The whole bank, in a fixed order (gabor at 0, 45, 90 and 135 degrees, 5x5).
const std::vector<Filter>& bank();
// A filter by name or alias ("edge" = laplacian8, "blur" = box_blur, "gaussian" = gaussian3,
// "gaborN" = a 5x5 Gabor at N degrees); throws std::invalid_argument listing the names.
Filter get(const std::string& name);
std::vector<std::string> names();

// A Conv2d(1 -> names.size()) with no bias whose output channel k is filter names[k], padded to
// keep the image size. Smaller kernels are centred in the largest one's size. Optionally frozen.
std::unique_ptr<Conv2d> make_conv(const std::vector<std::string>& names, bool frozen = true);

// The classical filters to fill a first layer of n output channels of size K x K, from the filters
// that fit: for K >= 5 sobel_x, sobel_y, laplacian8, sharpen, gaussian5, then 5x5 Gabors at 45,
// 135, 0 and 90 degrees, emboss, ...; for K = 3 or 4 the 3x3 family (sobel_x, sobel_y, laplacian8,
// sharpen, gaussian3, emboss, laplacian4, scharr_x, ...). Repeats the list if n is larger.
std::vector<std::string> default_handset(std::size_t n, std::size_t K);

// How hand-set filters go into a conv layer.
enum class HandsetScale {
  raw,   // the textbook values (Sobel +-2, Scharr +-10)
  init,  // each output channel's kernel rescaled to the L2 norm a kernel of the layer's random
         // initialisation has (init_kernel_norm()), but never to more than the DC gain such a
         // kernel has (init_kernel_dc_gain()): see init_scale()
  unit,  // each output channel's kernel rescaled to L2 norm 1
};
enum class HandsetColor {
  gray,  // every input channel gets filter / C: the filter applied to the plain channel average
  luma,  // with 3 input channels, R, G and B get filter * 0.299, 0.587, 0.114: the filter applied
         // to the luminance (ITU-R BT.601); any other channel count is treated as gray
};
struct HandsetOptions {
  HandsetScale scale = HandsetScale::raw;
  HandsetColor color = HandsetColor::gray;
};
const char* scale_name(HandsetScale s);  // "raw", "init", "unit"
const char* color_name(HandsetColor c);  // "gray", "luma"
// sqrt(E ||w||^2) for one output channel's kernel (fan_in = C/groups * KH * KW weights) under
// Conv2d's initialisation U(-b, b), b = 1/sqrt(fan_in): sqrt(fan_in * b^2 / 3) = 1/sqrt(3), about
// 0.577, for any layer size.
float init_kernel_norm(const Conv2dOptions& options);
// sqrt(E (sum of w)^2) for the same kernel: its RMS gain on a flat patch (DC gain). Also
// sqrt(fan_in * b^2 / 3) = 1/sqrt(3): a random kernel's weights are independent with mean 0.
float init_kernel_dc_gain(const Conv2dOptions& options);
// The factor the init scale multiplies a kernel with L2 norm `norm` and weight sum `sum` by:
//   min(init_kernel_norm / norm, init_kernel_dc_gain / |sum|)
// The norm alone is fair to edge filters (sum 0), but a low-pass filter puts all of its norm into
// the DC gain: gaussian5 at norm 0.577 answers a flat patch 2.1 times as strongly as a random
// kernel does on average (box_blur 5x5: 2.9), and a frozen layer of such filters trained far
// slower (README, "Learned vs hand-coded filters", has the figures). The cap keeps both gains at the random kernel's.
double init_scale(const Conv2dOptions& options, double norm, double sum);
// The weights each input channel gets (they sum to 1).
std::vector<float> channel_weights(std::size_t channels, HandsetColor color);
// Why a conv layer with these options cannot hold these filters, or "" if it can: an unknown name,
// as many names as output channels needed, no groups, a square kernel of at least 3x3, and no
// filter larger than the kernel.
std::string handset_problem(const Conv2dOptions& options, const std::vector<std::string>& names);
// Sets output channel o of conv to filter names[o] (centred if smaller than the kernel), spread
// over its input channels as options.color says and scaled as options.scale says, and zeroes the
// bias. Throws std::invalid_argument with handset_problem()'s reason.
void set_handset(Conv2d& conv, const std::vector<std::string>& names, const HandsetOptions& options = {});

}  // namespace minicnn::filters
