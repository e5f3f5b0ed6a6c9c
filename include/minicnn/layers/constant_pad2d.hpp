#pragma once
#include <cstddef>
#include <string>

#include "minicnn/core/layer.hpp"

namespace minicnn {

// y = x with `padding` rows and columns of `value` added around each (H, W) plane:
// y[n, c, top + i, left + j] = x[n, c, i, j], everything else = value. As PyTorch's
// nn.ConstantPad2d((left, right, top, bottom), value), and nn.ZeroPad2d for value 0. In ONNX: Pad.
class ConstantPad2d final : public Layer {
 public:
  explicit ConstantPad2d(Pads2d padding, float value = 0.f);
  const Tensor& forward(const Tensor& x) override;
  Shape output_shape(const Shape& input_shape) override;
  const Tensor& backward(const Tensor& dy) override;
  void release_scratch() override;
  std::string name() const override;
  std::string spec() const override;
  const Pads2d& padding() const { return p_; }
  float value() const { return value_; }

 private:
  Pads2d p_;
  float value_;
  Tensor::shape_type x_shape_;
  Tensor y_, dx_;
};

}  // namespace minicnn
