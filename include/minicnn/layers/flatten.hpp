#pragma once
#include "minicnn/core/layer.hpp"

namespace minicnn {

// (N, d1, d2, ...) -> (N, d1*d2*...), keeping the row-major (C, H, W) order like torch.flatten(x, 1).
class Flatten final : public Layer {
 public:
  const Tensor& forward(const Tensor& x) override;
  Shape output_shape(const Shape& input_shape) override;
  const Tensor& backward(const Tensor& dy) override;
  void release_scratch() override;
  std::string name() const override { return "Flatten(start_dim=1, end_dim=-1)"; }
  std::string spec() const override { return "flatten"; }

 private:
  // Throws forward's error for an input shape it refuses (a tensor's shape, or a Shape).
  template <class S>
  void check_input(const S& input_shape) const;
  Tensor::shape_type x_shape_;
  Tensor y_, dx_;
};

}  // namespace minicnn
