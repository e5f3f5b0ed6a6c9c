#pragma once
#include <cstdint>
#include <vector>

#include "minicnn/core/layer.hpp"

namespace minicnn {

// y[n, c, i, j] = max over the window x[n, c, i*S .. i*S+K-1, j*S .. j*S+K-1].
// No padding; OH = (H - KH) / SH + 1. stride 0 means "same as kernel_size" (PyTorch's default).
class MaxPool2d final : public Layer {
 public:
  explicit MaxPool2d(Size2 kernel_size, Size2 stride = 0);
  const Tensor& forward(const Tensor& x) override;
  const Tensor& backward(const Tensor& dy) override;
  std::string name() const override;
  std::string spec() const override;
  Size2 kernel_size() const { return k_; }
  Size2 stride() const { return s_; }

 private:
  Size2 k_, s_;
  Tensor::shape_type x_shape_;
  Tensor y_, dx_;
  std::vector<std::uint32_t> argmax_;  // per output: index in its (H, W) plane of the winning input
};

}  // namespace minicnn
