#pragma once
#include <vector>

#include "minicnn/optim/optimizer.hpp"

namespace minicnn {

// Stochastic gradient descent with PyTorch's semantics (torch.optim.SGD, dampening 0):
//   g = grad + weight_decay * p
//   b = momentum * b + g                  (b starts at 0, so the first step has b = g)
//   p -= lr * (nesterov ? g + momentum * b : b)       (b = g when momentum == 0)
// Frozen parameters are skipped entirely; weight decay skips 1-D parameters (see Optimizer).
class SGD final : public Optimizer {
 public:
  SGD(NamedParameters params, float lr, float momentum = 0.f, float weight_decay = 0.f, bool nesterov = false);
  void step() override;
  NamedBuffers state() override;
  std::string name() const override;

  float momentum() const { return momentum_; }
  float weight_decay() const { return weight_decay_; }
  bool nesterov() const { return nesterov_; }

 private:
  float momentum_, weight_decay_;
  bool nesterov_;
  std::vector<Tensor> buf_;  // momentum buffers, one per parameter (empty when momentum == 0)
};

}  // namespace minicnn
