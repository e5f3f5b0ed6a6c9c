#pragma once
#include "minicnn/core/layer.hpp"

namespace minicnn {

// y = 1 / (1 + exp(-x)) elementwise; any shape. Computed without overflow for large |x|.
class Sigmoid final : public Layer {
 public:
  const Tensor& forward(const Tensor& x) override;
  Shape output_shape(const Shape& input_shape) override { return input_shape; }  // elementwise
  const Tensor& backward(const Tensor& dy) override;
  void release_scratch() override;
  std::string name() const override { return "Sigmoid()"; }
  std::string spec() const override { return "sigmoid"; }

 private:
  Tensor y_, dx_;
};

}  // namespace minicnn
