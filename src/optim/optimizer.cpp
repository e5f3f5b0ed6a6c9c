#include "minicnn/optim/optimizer.hpp"

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
  for (auto& [n, p] : params_) decay_.push_back(p->value.dimension() >= 2);
}

void Optimizer::set_weight_decay_enabled(const std::string& name, bool on) {
  for (std::size_t i = 0; i < params_.size(); ++i)
    if (params_[i].first == name) {
      decay_[i] = on;
      return;
    }
  throw std::invalid_argument("Optimizer: no parameter named '" + name + "'");
}

double clip_grad_norm(const NamedParameters& params, double max_norm) {
  double sq = 0;
  for (const auto& [n, p] : params)
    if (!p->frozen)
      for (const float g : p->grad) sq += static_cast<double>(g) * g;
  const double norm = std::sqrt(sq);
  if (norm > max_norm) {
    const auto scale = static_cast<float>(max_norm / (norm + 1e-6));
    for (const auto& [n, p] : params)
      if (!p->frozen)
        for (auto& g : p->grad) g *= scale;
  }
  return norm;
}

void Optimizer::set_lr(float lr) {
  if (!(lr >= 0.f) || !std::isfinite(lr))
    throw std::invalid_argument("Optimizer: learning rate must be finite and >= 0, got " + std::to_string(lr));
  lr_ = lr;
}

}  // namespace minicnn
