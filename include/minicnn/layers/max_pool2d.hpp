#pragma once
#include <cstdint>
#include <vector>

#include "minicnn/core/layer.hpp"

namespace minicnn {

// y[n, c, i, j] = max over the window x[n, c, i*S - top + ki*D, j*S - left + kj*D], 0 <= ki, kj < K,
// as PyTorch's nn.MaxPool2d(kernel_size, stride, padding, dilation, ceil_mode): the padding is
// -inf (it never wins), OH = floor((H + top + bottom - D (K - 1) - 1) / S) + 1, or with ceil_mode
// ceil(...) + 1 less one if the last window would start past the input and its top padding.
// stride 0 means "same as kernel_size" (PyTorch's default). padding may differ per side (ONNX's
// pads and auto_pad); each side must be smaller than the window D (K - 1) + 1.
class MaxPool2d final : public Layer {
 public:
  explicit MaxPool2d(Size2 kernel_size, Size2 stride = 0, Pads2d padding = 0, Size2 dilation = 1, bool ceil_mode = false);
  const Tensor& forward(const Tensor& x) override;
  Shape output_shape(const Shape& input_shape) override;
  const Tensor& backward(const Tensor& dy) override;
  void release_scratch() override;
  std::string name() const override;
  std::string spec() const override;
  Size2 kernel_size() const { return k_; }
  Size2 stride() const { return s_; }
  const Pads2d& padding() const { return p_; }
  Size2 dilation() const { return d_; }
  bool ceil_mode() const { return ceil_; }

 private:
  Size2 k_, s_;
  Pads2d p_;
  Size2 d_;
  bool ceil_;
  Tensor::shape_type x_shape_;
  Tensor y_, dx_;
  std::vector<std::uint32_t> argmax_;  // per output: index in its (H, W) plane of the winning input
};

}  // namespace minicnn
