#pragma once
#include "minicnn/core/layer.hpp"

namespace minicnn {

// y = max(x, 0) elementwise; any shape.
class ReLU final : public Layer {
 public:
  const Tensor& forward(const Tensor& x) override;
  Shape output_shape(const Shape& input_shape) override { return input_shape; }  // elementwise
  const Tensor& backward(const Tensor& dy) override;
  void release_scratch() override;
  std::string name() const override { return "ReLU()"; }
  std::string spec() const override { return "relu"; }

 private:
  Tensor y_;  // output; y_ > 0 exactly where x > 0, so it doubles as the backward mask
  Tensor dx_;
};

}  // namespace minicnn
