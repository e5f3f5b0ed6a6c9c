#pragma once
#include <vector>

#include "minicnn/optim/optimizer.hpp"

namespace minicnn {

// Adam (Kingma & Ba, 2015) with PyTorch's semantics; with decoupled = true it is AdamW
// (Loshchilov & Hutter, 2019). For step t = 1, 2, ... and gradient g:
//   Adam's L2 decay:  g += weight_decay * p              AdamW instead: p -= lr * weight_decay * p
//   m = beta1 m + (1 - beta1) g        v = beta2 v + (1 - beta2) g^2
//   p -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
// State for checkpoints: "<param>.exp_avg", "<param>.exp_avg_sq" and "step".
class Adam final : public Optimizer {
 public:
  Adam(NamedParameters params, float lr = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f,
       float weight_decay = 0.f, bool decoupled = false);
  void step() override;
  NamedBuffers state() override;
  std::string name() const override;
  bool decoupled() const { return decoupled_; }

 private:
  float beta1_, beta2_, eps_, weight_decay_;
  bool decoupled_;
  std::vector<Tensor> m_, v_;
  Tensor step_;  // (1): steps taken, as a tensor so checkpoints save it with the rest
};

}  // namespace minicnn
