#pragma once
#include <vector>

#include "minicnn/core/layer.hpp"

namespace minicnn {

// Fully connected: y = x W^T + b.  x (N, in), W (out, in), b (out), y (N, out), as PyTorch's Linear.
class Linear final : public Layer {
 public:
  Linear(std::size_t in_features, std::size_t out_features, bool bias = true);
  const Tensor& forward(const Tensor& x) override;
  Shape output_shape(const Shape& input_shape) override;
  const Tensor& backward(const Tensor& dy) override;
  void release_scratch() override;
  NamedParameters parameters() override;
  bool has_trainable_parameters() override;
  std::string name() const override;
  std::string spec() const override;

  std::size_t in_features() const { return in_; }
  std::size_t out_features() const { return out_; }
  bool has_bias() const { return has_bias_; }
  Parameter& weight() { return weight_; }
  Parameter& bias();  // throws std::logic_error when built with bias = false

 private:
  // Throws forward's error for an input shape it refuses (a tensor's shape, or a Shape).
  template <class S>
  void check_input(const S& input_shape) const;
  std::size_t in_, out_;
  bool has_bias_;
  Parameter weight_, bias_;
  Tensor x_, y_, dx_;
  std::vector<Tensor> dw_part_;  // per chunk of the batch but the first: partial dW (out x in values), then db (out)
};

}  // namespace minicnn
