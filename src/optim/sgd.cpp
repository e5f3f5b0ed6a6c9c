#include "minicnn/optim/sgd.hpp"

#include <cmath>
#include <stdexcept>

#include "optim/param_slices.hpp"

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
  const float lr = lr_, mu = momentum_, weight_decay = weight_decay_;
  const bool nesterov = nesterov_;
  for_each_parameter_slice(params_, [&](std::size_t i, std::size_t k0, std::size_t k1) {
    Parameter& p = *params_[i].second;
    float* w = p.value.data();
    const float* g = p.grad.data();
    float* b = mu > 0.f ? buf_[i].data() : nullptr;
    const float wd = decay_[i] ? weight_decay : 0.f;
    // One loop per case rather than branches inside one loop, so each vectorises (bench/RESULTS.md).
    if (!b) {
      for (std::size_t k = k0; k < k1; ++k) w[k] -= lr * (g[k] + wd * w[k]);
    } else if (!nesterov) {
      for (std::size_t k = k0; k < k1; ++k) {
        b[k] = mu * b[k] + (g[k] + wd * w[k]);
        w[k] -= lr * b[k];
      }
    } else {
      for (std::size_t k = k0; k < k1; ++k) {
        const float d = g[k] + wd * w[k];
        b[k] = mu * b[k] + d;
        w[k] -= lr * (d + mu * b[k]);
      }
    }
  });
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
