#pragma once
#include "minicnn/core/layer.hpp"

namespace minicnn {

// y = x where x > 0, negative_slope * x elsewhere; any shape. As PyTorch's nn.LeakyReLU.
class LeakyReLU final : public Layer {
 public:
  explicit LeakyReLU(float negative_slope = 0.01f);
  const Tensor& forward(const Tensor& x) override;
  Shape output_shape(const Shape& input_shape) override { return input_shape; }  // elementwise
  const Tensor& backward(const Tensor& dy) override;
  void release_scratch() override;
  std::string name() const override;
  std::string spec() const override;
  float negative_slope() const { return slope_; }

 private:
  float slope_;
  Tensor x_, y_, dx_;  // x_ decides the slope in backward (y's sign would not, for a negative slope)
};

}  // namespace minicnn
