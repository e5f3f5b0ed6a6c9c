#pragma once
#include <vector>

#include "minicnn/core/layer.hpp"

namespace minicnn {

// An optimiser updates the parameters it was given from their grads. It keeps its own
// state (momentum buffers, ...) under names derived from the parameter names, so a checkpoint
// can save and restore it and a resumed run continues exactly.
class Optimizer {
 public:
  Optimizer(NamedParameters params, float lr);
  virtual ~Optimizer() = default;

  virtual void step() = 0;
  // Named state tensors, e.g. "0.weight.momentum_buffer". Empty for a stateless optimiser.
  virtual NamedBuffers state() { return {}; }
  virtual std::string name() const = 0;

  float lr() const { return lr_; }
  void set_lr(float lr);
  const NamedParameters& params() const { return params_; }

  // Weight decay applies to weights with two or more dimensions (Conv2d, Linear), not to biases
  // or BatchNorm scales: decaying those towards zero only hurts (a common recipe, e.g. in timm and
  // fast.ai). Switch one parameter by name; throws std::invalid_argument for an unknown name.
  void set_weight_decay_enabled(const std::string& name, bool on);

 protected:
  NamedParameters params_;
  float lr_;
  std::vector<bool> decay_;
};

// Scales every (unfrozen) gradient so that their joint L2 norm is at most max_norm, as PyTorch's
// clip_grad_norm_; returns the norm before clipping.
double clip_grad_norm(const NamedParameters& params, double max_norm);

}  // namespace minicnn
