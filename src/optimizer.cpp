#include "minicnn/optimizer.hpp"

#include <cmath>
#include <stdexcept>

namespace minicnn {

Optimizer::Optimizer(NamedParameters params, float lr) : params_(std::move(params)), lr_(0.f) {
  for (auto& [n, p] : params_) {
    if (!p) throw std::invalid_argument("Optimizer: parameter '" + n + "' is null");
    if (p->grad.shape() != p->value.shape())
      throw std::invalid_argument("Optimizer: parameter '" + n + "' has value " + shape_str(p->value.shape()) +
                                  " but grad " + shape_str(p->grad.shape()));
  }
  set_lr(lr);
}

void Optimizer::set_lr(float lr) {
  if (!(lr >= 0.f) || !std::isfinite(lr))
    throw std::invalid_argument("Optimizer: learning rate must be finite and >= 0, got " + std::to_string(lr));
  lr_ = lr;
}

}  // namespace minicnn
