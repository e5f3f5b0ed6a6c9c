#pragma once
// What a network does with an input, layer by layer: every top-level layer's output for a batch,
// and a picture of one layer's output for each sample. The live training page and the draw page
// of `minicnn serve` show these.
#include <string>
#include <vector>

#include "minicnn/core/sequential.hpp"
#include "minicnn/io/image_io.hpp"

namespace minicnn {

struct LayerOutput {
  std::string path;  // the layer's index in the model: "0", "3"
  std::string name;  // short_name(layer): "Conv2d(1, 6, kernel_size=(5, 5), ...)", "Residual"
  Tensor y;          // its output for the batch, (N, ...)
};
// Runs x (N, C, H, W) through the model in eval mode (the mode is restored) and keeps a copy of
// every top-level layer's output.
std::vector<LayerOutput> layer_outputs(Sequential& model, const Tensor& x);

struct ActivationImageOptions {
  std::size_t max_width = 720;  // tiles wrap onto lines of even length within this width (pixels)
  std::size_t min_tile = 28;    // each map is enlarged (nearest neighbour) to at least this size
  std::size_t cell = 10;        // pixels per value of a flat output (Linear, ...)
  std::size_t gap = 2;          // pixels between tiles
};

// One layer's output y (N, C, H, W) or (N, F) as a picture: one block per sample, one under the
// other, holding a map per channel or a square cell per value. Outputs that are never negative
// (after a ReLU) go from black at 0 to white at the sample's largest value; signed ones use the
// kernels' diverging map (blue < 0 < red, white 0) on +- the largest |value|. One scale per
// sample, shared by all its channels, so strong and weak channels can be told apart.
Image render_activations(const Tensor& y, const ActivationImageOptions& options = {});

// Where render_activations puts each channel of one sample of shape (C, H, W) or (F): tile k is at
// column k % cols, row k / cols, its top-left corner at (col * (tile_w + gap), row * (tile_h + gap)).
// The draw page turns a click on the picture into a channel with it.
struct ActivationLayout {
  std::size_t count = 0, tile_w = 0, tile_h = 0, cols = 1, gap = 0;
};
ActivationLayout activation_layout(const Shape& sample_shape, const ActivationImageOptions& options = {});

}  // namespace minicnn
