#pragma once
#include <vector>

#include "minicnn/core/layer.hpp"

namespace minicnn {

// Inverted dropout, as PyTorch's nn.Dropout. In training mode each element is zeroed with
// probability p and the survivors are scaled by 1/(1-p), so the expected output equals the input;
// in eval mode it passes x through unchanged. The mask is drawn from the global generator
// (manual_seed), so a run is reproducible and a checkpoint's saved generator state resumes it.
class Dropout final : public Layer {
 public:
  explicit Dropout(float p = 0.5f);
  const Tensor& forward(const Tensor& x) override;
  Shape output_shape(const Shape& input_shape) override { return input_shape; }  // elementwise
  const Tensor& backward(const Tensor& dy) override;
  void release_scratch() override;
  std::string name() const override;
  std::string spec() const override;
  float p() const { return p_; }

 private:
  float p_;
  std::vector<float> mask_;  // 0 or 1/(1-p) per element in training mode; empty after an eval forward
  Tensor y_, dx_;
};

}  // namespace minicnn
