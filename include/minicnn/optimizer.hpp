#pragma once
#include "minicnn/layer.hpp"

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

 protected:
  NamedParameters params_;
  float lr_;
};

}  // namespace minicnn
