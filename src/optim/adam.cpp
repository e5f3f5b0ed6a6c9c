#include "minicnn/optim/adam.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "optim/param_slices.hpp"

namespace minicnn {

Adam::Adam(NamedParameters params, float lr, float beta1, float beta2, float eps, float weight_decay, bool decoupled)
    : Optimizer(std::move(params), lr), beta1_(beta1), beta2_(beta2), eps_(eps), weight_decay_(weight_decay), decoupled_(decoupled) {
  const char* who = decoupled ? "AdamW" : "Adam";
  if (!(beta1 >= 0.f && beta1 < 1.f) || !(beta2 >= 0.f && beta2 < 1.f))
    throw std::invalid_argument(std::string(who) + ": betas must be in [0, 1), got " + std::to_string(beta1) + ", " + std::to_string(beta2));
  if (!(eps > 0.f)) throw std::invalid_argument(std::string(who) + ": eps must be > 0");
  if (!(weight_decay >= 0.f) || !std::isfinite(weight_decay))
    throw std::invalid_argument(std::string(who) + ": weight_decay must be finite and >= 0, got " + std::to_string(weight_decay));
  for (auto& [n, p] : params_) {
    m_.push_back(xt::zeros<float>(p->value.shape()));
    v_.push_back(xt::zeros<float>(p->value.shape()));
  }
  step_ = xt::zeros<float>({1});
}

void Adam::step() {
  const double t = step_(0) + 1.0;
  step_(0) = static_cast<float>(t);
  const auto c1 = static_cast<float>(1.0 - std::pow(beta1_, t)), c2 = static_cast<float>(1.0 - std::pow(beta2_, t));
  const float lr = lr_, beta1 = beta1_, beta2 = beta2_, eps = eps_, weight_decay = weight_decay_;
  const bool decoupled = decoupled_;
  for_each_parameter_slice(params_, [&](std::size_t i, std::size_t k0, std::size_t k1) {
    Parameter& p = *params_[i].second;
    float *w = p.value.data(), *m = m_[i].data(), *v = v_[i].data();
    const float* g = p.grad.data();
    const float wd = decay_[i] ? weight_decay : 0.f;
    for (std::size_t k = k0; k < k1; ++k) {
      float gk = g[k];
      if (decoupled) w[k] -= lr * wd * w[k];
      else gk += wd * w[k];
      m[k] = beta1 * m[k] + (1.f - beta1) * gk;
      v[k] = beta2 * v[k] + (1.f - beta2) * gk * gk;
      w[k] -= lr * (m[k] / c1) / (std::sqrt(v[k] / c2) + eps);
    }
  });
}

NamedBuffers Adam::state() {
  NamedBuffers s;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    s.emplace_back(params_[i].first + ".exp_avg", &m_[i]);
    s.emplace_back(params_[i].first + ".exp_avg_sq", &v_[i]);
  }
  s.emplace_back("step", &step_);
  return s;
}

std::string Adam::name() const {
  std::ostringstream os;
  os << (decoupled_ ? "AdamW" : "Adam") << "(lr=" << lr_ << ", betas=(" << beta1_ << ", " << beta2_ << "), eps=" << eps_
     << ", weight_decay=" << weight_decay_ << ")";
  return os.str();
}

}  // namespace minicnn
