#include "minicnn/optim/sgd.hpp"

#include <cmath>
#include <stdexcept>

namespace minicnn {

SGD::SGD(NamedParameters params, float lr, float momentum, float weight_decay, bool nesterov)
    : Optimizer(std::move(params), lr), momentum_(momentum), weight_decay_(weight_decay), nesterov_(nesterov) {
  if (!(momentum >= 0.f) || !std::isfinite(momentum))
    throw std::invalid_argument("SGD: momentum must be finite and >= 0, got " + std::to_string(momentum));
  if (!(weight_decay >= 0.f) || !std::isfinite(weight_decay))
    throw std::invalid_argument("SGD: weight_decay must be finite and >= 0, got " + std::to_string(weight_decay));
  if (nesterov && momentum == 0.f) throw std::invalid_argument("SGD: nesterov momentum requires momentum > 0");
  if (momentum_ > 0.f)
    for (auto& [n, p] : params_) buf_.push_back(xt::zeros<float>(p->value.shape()));
}

void SGD::step() {
  for (std::size_t i = 0; i < params_.size(); ++i) {
    Parameter& p = *params_[i].second;
    if (p.frozen) continue;
    float* w = p.value.data();
    const float* g = p.grad.data();
    float* b = momentum_ > 0.f ? buf_[i].data() : nullptr;
    const float wd = decay_[i] ? weight_decay_ : 0.f;
    const std::size_t n = p.value.size();
    // One loop per case rather than branches inside one loop, so each vectorises (bench/RESULTS.md).
    if (!b) {
      for (std::size_t k = 0; k < n; ++k) w[k] -= lr_ * (g[k] + wd * w[k]);
    } else if (!nesterov_) {
      for (std::size_t k = 0; k < n; ++k) {
        b[k] = momentum_ * b[k] + (g[k] + wd * w[k]);
        w[k] -= lr_ * b[k];
      }
    } else {
      for (std::size_t k = 0; k < n; ++k) {
        const float d = g[k] + wd * w[k];
        b[k] = momentum_ * b[k] + d;
        w[k] -= lr_ * (d + momentum_ * b[k]);
      }
    }
  }
}

NamedBuffers SGD::state() {
  NamedBuffers s;
  for (std::size_t i = 0; i < buf_.size(); ++i) s.emplace_back(params_[i].first + ".momentum_buffer", &buf_[i]);
  return s;
}

std::string SGD::name() const {
  return "SGD(lr=" + std::to_string(lr_) + ", momentum=" + std::to_string(momentum_) +
         ", weight_decay=" + std::to_string(weight_decay_) + ", nesterov=" + (nesterov_ ? "True" : "False") + ")";
}

}  // namespace minicnn
