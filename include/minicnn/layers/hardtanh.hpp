#pragma once
#include "minicnn/core/layer.hpp"

namespace minicnn {

// y = min(max(x, min_val), max_val) elementwise; any shape. As PyTorch's nn.Hardtanh(min_val,
// max_val) (default -1, 1); with (0, 6) it is nn.ReLU6 and prints and writes itself so. In ONNX: Clip.
class Hardtanh final : public Layer {
 public:
  explicit Hardtanh(float min_val = -1.f, float max_val = 1.f);
  const Tensor& forward(const Tensor& x) override;
  Shape output_shape(const Shape& input_shape) override { return input_shape; }  // elementwise
  const Tensor& backward(const Tensor& dy) override;
  void release_scratch() override;
  std::string name() const override;
  std::string spec() const override;
  float min_val() const { return min_; }
  float max_val() const { return max_; }
  bool relu6() const { return min_ == 0.f && max_ == 6.f; }

 private:
  float min_, max_;
  Tensor x_, y_, dx_;
};

}  // namespace minicnn
