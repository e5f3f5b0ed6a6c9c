#pragma once
// Why the network answered: three maps of one image's pixels for one class.
//
// - Saliency (Simonyan, Vedaldi & Zisserman, "Deep Inside Convolutional Networks", 2013): how much
//   the class score z (the logit, before softmax) changes as each input value changes,
//   max over input channels of |dz/dx|.
// - Grad-CAM (Selvaraju et al., "Grad-CAM: Visual Explanations from Deep Networks via
//   Gradient-based Localization", ICCV 2017): a layer's maps A_k weighted by how much z depends on
//   each, ReLU(sum_k alpha_k A_k) with alpha_k the mean over positions of dz/dA_k. Coarse (the
//   layer's resolution) but class-specific.
// - Occlusion (Zeiler & Fergus 2014): the drop in the class probability when a patch of the
//   normalised mean value (0) covers the picture around each pixel. No gradients: it asks the
//   model directly, one forward pass per patch position.
//
// x is one image (1, C, H, W) in the model's normalised input units; cls a class index. The maps
// are raw, not rescaled.
#include <cstddef>
#include <string>

#include "minicnn/core/sequential.hpp"

namespace minicnn::explain {

Tensor saliency(Sequential& model, const Tensor& x, std::size_t cls);  // (H, W)

// The default Grad-CAM layer: the last top-level layer whose output is maps (C, H', W'), e.g. "5"
// (the second pooling) in lenet5. Throws std::invalid_argument when the model has none.
std::string default_gradcam_layer(Sequential& model, const Shape& input_shape);
// Throws std::invalid_argument naming the layer when the layer at `layer` (a path) does not exist
// or its output for inputs of input_shape (C, H, W) is not maps (C', H', W'): one forward pass of
// a blank input, so a command can refuse the layer before it computes or writes anything.
void check_gradcam_layer(Sequential& model, const std::string& layer, const Shape& input_shape);
// (H', W') at the output of the layer at `layer`; throws std::invalid_argument naming the layer
// when its output is not maps.
Tensor gradcam(Sequential& model, const Tensor& x, std::size_t cls, const std::string& layer);

struct OcclusionOptions {
  std::size_t patch = 0;   // side of the square patch; 0: a quarter of the picture's side, at least 3 (7 for 28x28)
  std::size_t stride = 0;  // pixels between patch centres; 0: 1 up to 32 pixels, then side / 28 (8 for 224)
  std::size_t batch_size = 0;  // occluded pictures per forward pass; 0: within the evaluation memory budget
};
// The options with every 0 replaced by its default for pictures of input_shape (C, H, W).
OcclusionOptions occlusion_defaults(OcclusionOptions o, const Shape& input_shape);
// (H, W): p(cls | x) - p(cls | x with the patch centred at that pixel). With a stride above 1 the
// patch is centred at every stride-th pixel and each pixel takes the value of its nearest centre.
Tensor occlusion(Sequential& model, const Tensor& x, std::size_t cls, const OcclusionOptions& o = {});

}  // namespace minicnn::explain
