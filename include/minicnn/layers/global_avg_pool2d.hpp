#pragma once
#include "minicnn/core/layer.hpp"

namespace minicnn {

// y[n, c] = mean over (h, w) of x[n, c, h, w]: (N, C, H, W) -> (N, C), ready for a Linear layer.
// (PyTorch's nn.AdaptiveAvgPool2d(1) keeps (N, C, 1, 1); this drops the two 1s, as a Flatten would.)
class GlobalAvgPool2d final : public Layer {
 public:
  const Tensor& forward(const Tensor& x) override;
  Shape output_shape(const Shape& input_shape) override;
  const Tensor& backward(const Tensor& dy) override;
  void release_scratch() override;
  std::string name() const override { return "GlobalAvgPool2d()"; }
  std::string spec() const override { return "globalavgpool"; }

 private:
  // Throws forward's error for an input shape it refuses (a tensor's shape, or a Shape).
  template <class S>
  void check_input(const S& input_shape) const;
  Tensor::shape_type x_shape_;
  Tensor y_, dx_;
};

}  // namespace minicnn
