#pragma once
#include "minicnn/core/layer.hpp"

namespace minicnn {

// y = tanh(x) elementwise; any shape.
class Tanh final : public Layer {
 public:
  const Tensor& forward(const Tensor& x) override;
  Shape output_shape(const Shape& input_shape) override { return input_shape; }  // elementwise
  const Tensor& backward(const Tensor& dy) override;
  void release_scratch() override;
  std::string name() const override { return "Tanh()"; }
  std::string spec() const override { return "tanh"; }

 private:
  Tensor y_, dx_;
};

}  // namespace minicnn
