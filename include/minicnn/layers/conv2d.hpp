#pragma once
#include <memory>
#include <string>
#include <vector>

#include "minicnn/core/layer.hpp"
#include "minicnn/core/options.hpp"

namespace minicnn {

class Sequential;

// Conv2d's settings: the three required ones in the constructor, the rest as chained setters:
//   Conv2dOptions(3, 32, 3).stride(2).padding(1).bias(false)
struct Conv2dOptions {
  Conv2dOptions(std::size_t in_channels, std::size_t out_channels, Size2 kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  MINICNN_ARG(std::size_t, in_channels);
  MINICNN_ARG(std::size_t, out_channels);
  MINICNN_ARG(Size2, kernel_size);
  MINICNN_ARG(Size2, stride) = 1;
  MINICNN_ARG(Size2, padding) = 0;   // zeros added on each side
  MINICNN_ARG(Size2, dilation) = 1;  // spacing between kernel taps
  MINICNN_ARG(std::size_t, groups) = 1;  // groups == in_channels == out_channels: depthwise
  MINICNN_ARG(bool, bias) = true;
};

// 2-D convolution over NCHW input, computed as a CROSS-CORRELATION exactly like PyTorch's
// conv2d: the kernel is not flipped, so weight[o][c][0][0] multiplies the top-left input pixel
// of each window. With Cg = C / groups input channels per group and g = o / (OC / groups):
//
//   y[n, o, i, j] = bias[o] + sum_{c < Cg, ki, kj} weight[o, c, ki, kj]
//                                 * x[n, g*Cg + c, i*S - P + ki*D, j*S - P + kj*D]
//
// (zero outside the image), OH = (H + 2P - D*(KH-1) - 1) / S + 1, likewise OW.
// Shapes: x (N, C, H, W), weight (OC, C/groups, KH, KW), bias (OC), y (N, OC, OH, OW).
class Conv2d final : public Layer {
 public:
  Conv2d(std::size_t in_channels, std::size_t out_channels, Size2 kernel_size, Size2 stride = 1,
         Size2 padding = 0, bool bias = true);
  explicit Conv2d(const Conv2dOptions& options);
  ~Conv2d() override;

  const Tensor& forward(const Tensor& x) override;
  const Tensor& backward(const Tensor& dy) override;
  void release_scratch() override;
  NamedParameters parameters() override;
  bool has_trainable_parameters() override;
  std::string name() const override;
  std::string spec() const override;

  const Conv2dOptions& options() const { return o_; }
  Parameter& weight() { return weight_; }
  const Parameter& weight() const { return weight_; }
  bool has_bias() const { return o_.bias(); }
  Parameter& bias();  // throws std::logic_error when built with bias = false
  const Parameter& bias() const;

  // Copies a hand-made (KH, KW) kernel into weight[out_channel][in_channel] (in_channel counts
  // within the output channel's group), after checking the shape. Freeze it with
  // conv.weight().frozen = true to keep it during training.
  void set_kernel(std::size_t out_channel, std::size_t in_channel, const Tensor& kernel);

  // (N, OC, OH, OW) for an input of the given shape; throws like forward on a bad one.
  Shape output_shape(const Shape& input_shape) override;
  // y of the last forward (empty before one): how feature-map pictures see a conv inside a block.
  const Tensor& output() const { return y_; }
  // The algorithm the last forward ran ("" before one): "reference" (MINICNN_KERNELS=reference),
  // "winograd", "implicit" or "im2col" (the last two direct; see MINICNN_CONV in core/kernel_path.hpp).
  std::string algorithm() const;

 private:
  Conv2dOptions o_;
  Parameter weight_, bias_;
  Tensor x_;  // input copy for backward (N, C, H, W)
  Tensor y_, dx_;
  struct Workspace;                  // per-thread buffers of the fast path (src/kernels/conv_kernels.hpp)
  std::unique_ptr<Workspace> ws_;
};

// The convolution straight from its definition: seven nested loops, no im2col, no BLAS, sums in
// double. The fast path is tested against it, and MINICNN_KERNELS=reference makes every Conv2d
// use it (for debugging: slow, but nothing clever can be wrong in it).
//   y = conv2d_reference_forward(x, w, b, o)                      x (N, C, H, W) -> y (N, OC, OH, OW)
//   conv2d_reference_backward(x, w, dy, o, dx, dw, db)            any of dx, dw, db may be null
Tensor conv2d_reference_forward(const Tensor& x, const Tensor& weight, const Tensor* bias, const Conv2dOptions& o);
void conv2d_reference_backward(const Tensor& x, const Tensor& weight, const Tensor& dy, const Conv2dOptions& o,
                               Tensor* dx, Tensor* dweight, Tensor* dbias);

// The Conv2d at a dotted layer path of model: "3", or "3.body.0" inside a block (the paths of
// named_layers, as parameters are named). Throws std::invalid_argument naming what is there instead:
// "1 is a ReLU, not a Conv2d (conv layers: 0, 3.body.0, ...)", or "no layer 30 (layers 0-11;
// conv layers: ...)", with a did-you-mean for a near miss such as "3.body.O".
Conv2d& conv_at(Sequential& model, const std::string& path);

}  // namespace minicnn
