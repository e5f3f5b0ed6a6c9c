#pragma once
#include "minicnn/core/layer.hpp"

namespace minicnn {

// y[n, c, i, j] = sum over the window x[n, c, i*S - top .. i*S - top + K - 1, j*S - left ..] / count,
// as PyTorch's nn.AvgPool2d(kernel_size, stride, padding, ceil_mode, count_include_pad): the padding
// adds zeros; count is the window's size clipped to the padded input when count_include_pad (the
// default), else the number of inputs inside it. OH as MaxPool2d's (without dilation). stride 0
// means "same as kernel_size". padding may differ per side; each side must be smaller than K.
class AvgPool2d final : public Layer {
 public:
  explicit AvgPool2d(Size2 kernel_size, Size2 stride = 0, Pads2d padding = 0, bool ceil_mode = false,
                     bool count_include_pad = true);
  const Tensor& forward(const Tensor& x) override;
  Shape output_shape(const Shape& input_shape) override;
  const Tensor& backward(const Tensor& dy) override;
  void release_scratch() override;
  std::string name() const override;
  std::string spec() const override;
  Size2 kernel_size() const { return k_; }
  Size2 stride() const { return s_; }
  const Pads2d& padding() const { return p_; }
  bool ceil_mode() const { return ceil_; }
  bool count_include_pad() const { return include_pad_; }

 private:
  Size2 k_, s_;
  Pads2d p_;
  bool ceil_, include_pad_;
  Tensor::shape_type x_shape_;
  Tensor y_, dx_;
};

}  // namespace minicnn
