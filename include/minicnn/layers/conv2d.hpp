#pragma once
#include <vector>

#include "minicnn/core/layer.hpp"

namespace minicnn {

struct Conv2dOptions {
  std::size_t in_channels = 0;
  std::size_t out_channels = 0;
  Size2 kernel_size = 0;
  Size2 stride = 1;
  Size2 padding = 0;   // zeros added on each side
  Size2 dilation = 1;  // spacing between kernel taps
  std::size_t groups = 1;  // groups == in_channels == out_channels is a depthwise convolution
  bool bias = true;
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

  const Tensor& forward(const Tensor& x) override;
  const Tensor& backward(const Tensor& dy) override;
  NamedParameters parameters() override;
  std::string name() const override;
  std::string spec() const override;

  const Conv2dOptions& options() const { return o_; }
  Parameter& weight() { return weight_; }
  const Parameter& weight() const { return weight_; }
  bool has_bias() const { return o_.bias; }
  Parameter& bias();  // throws std::logic_error when built with bias = false
  const Parameter& bias() const;

  // Copies a hand-made (KH, KW) kernel into weight[out_channel][in_channel] (in_channel counts
  // within the output channel's group), after checking the shape. Freeze it with
  // conv.weight().frozen = true to keep it during training.
  void set_kernel(std::size_t out_channel, std::size_t in_channel, const Tensor& kernel);

  // (N, OC, OH, OW) for an input of the given shape; throws like forward on a bad one.
  Shape output_shape(const Shape& input_shape) const;

 private:
  Conv2dOptions o_;
  Parameter weight_, bias_;
  Tensor x_;                         // input copy for backward (N, C, H, W)
  Tensor y_, dx_;
  std::vector<Tensor> cols_;         // per chunk: im2col of one image (C*KH*KW, OH*OW)
  std::vector<Tensor> scratch_;      // per chunk: im2col's zero-padded copy of one image, if any
  std::vector<Tensor> dcols_;        // per chunk: gradient w.r.t. those columns
  std::vector<Tensor> dyt_;          // per chunk: one image's dy for one group, transposed (OH*OW * OC/groups), if used
  std::vector<Tensor> dw_part_;      // per chunk: partial weight gradient, transposed (groups*C/groups*KH*KW, OC/groups)
  std::vector<Tensor> db_part_;      // per chunk: partial bias gradient (OC)
};

}  // namespace minicnn
