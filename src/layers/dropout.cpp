#include "minicnn/layers/dropout.hpp"
#include "minicnn/core/registry.hpp"

#include <sstream>
#include <stdexcept>

#include "minicnn/core/init.hpp"

namespace minicnn {

Dropout::Dropout(float p) : p_(p) {
  if (!(p >= 0.f && p < 1.f))
    throw std::invalid_argument("Dropout: p must be in [0, 1), got " + std::to_string(p));
}

std::string Dropout::name() const {
  std::ostringstream os;
  os << "Dropout(p=" << p_ << ")";
  return os.str();
}

std::string Dropout::spec() const {
  std::ostringstream os;
  os.precision(9);
  os << "dropout p=" << p_;
  return os.str();
}

const Tensor& Dropout::forward(const Tensor& x) {
  ensure_shape(y_, x.shape());
  const float* px = x.data();
  float* py = y_.data();
  if (!training_) {
    mask_.clear();  // keeps capacity: no allocation when training resumes
    for (std::size_t i = 0, n = x.size(); i < n; ++i) py[i] = px[i];
    return y_;
  }
  mask_.resize(x.size());
  const float keep = 1.f / (1.f - p_);
  Rng& rng = global_rng();
  for (std::size_t i = 0, n = x.size(); i < n; ++i) {
    mask_[i] = rng.uniform() < p_ ? 0.f : keep;
    py[i] = px[i] * mask_[i];
  }
  return y_;
}

// y = x * m with m the fixed mask of the last forward (0 or 1/(1-p)), so dL/dx = dL/dy * m;
// after an eval-mode forward, y = x and dL/dx = dL/dy.
const Tensor& Dropout::backward(const Tensor& dy) {
  check_backward(y_.dimension() != 0, dy, y_);
  ensure_shape(dx_, dy.shape());
  const float* pdy = dy.data();
  float* pdx = dx_.data();
  if (mask_.empty())
    for (std::size_t i = 0, n = dy.size(); i < n; ++i) pdx[i] = pdy[i];
  else
    for (std::size_t i = 0, n = dy.size(); i < n; ++i) pdx[i] = pdy[i] * mask_[i];
  return dx_;
}

MINICNN_REGISTER_LAYER(Dropout, "dropout", "dropout [p=0.5]", [](const LayerArgs& a, const Shape&) {
  a.expect_positional(0, 0);
  const float p = a.number("p", 0.5f);
  if (!(p >= 0.f && p < 1.f)) a.fail("p must be in [0, 1), got " + std::to_string(p));
  return std::make_unique<Dropout>(p);
});

void Dropout::release_scratch() {
  std::vector<float>().swap(mask_);
  release(y_);
  release(dx_);
}

}  // namespace minicnn
