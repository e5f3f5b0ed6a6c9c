#include "minicnn/layers/hardtanh.hpp"
#include "minicnn/core/registry.hpp"

#include <sstream>
#include <stdexcept>

#include "core/parallel.hpp"

namespace minicnn {

namespace {
constexpr std::size_t kGrain = 32768;  // as ReLU's: below this, waking a thread costs more
}  // namespace

Hardtanh::Hardtanh(float min_val, float max_val) : min_(min_val), max_(max_val) {
  if (!(min_val < max_val)) {
    std::ostringstream os;
    os << "Hardtanh: min_val " << min_val << " must be smaller than max_val " << max_val;
    throw std::invalid_argument(os.str());
  }
}

std::string Hardtanh::name() const {
  if (relu6()) return "ReLU6()";
  std::ostringstream os;
  os << "Hardtanh(min_val=" << min_ << ", max_val=" << max_ << ")";
  return os.str();
}

std::string Hardtanh::spec() const {
  if (relu6()) return "relu6";
  std::ostringstream os;
  os.precision(9);  // enough digits that the spec rebuilds exactly these floats
  os << "hardtanh";
  if (min_ != -1.f) os << " min=" << min_;
  if (max_ != 1.f) os << " max=" << max_;
  return os.str();
}

const Tensor& Hardtanh::forward(const Tensor& x) {
  copy_into(x_, x);  // backward needs x
  ensure_shape(y_, x.shape());
  const float* px = x.data();
  float* py = y_.data();
  const float lo = min_, hi = max_;
  parallel_for(x.size(), [=](std::size_t i0, std::size_t i1, int) {
    for (std::size_t i = i0; i < i1; ++i) py[i] = px[i] < lo ? lo : px[i] > hi ? hi : px[i];
  }, kGrain);
  return y_;
}

// dy/dx = 1 where min_val < x < max_val, and 0 elsewhere (at x == min_val or max_val too, as
// PyTorch's hardtanh_backward), so dL/dx = dL/dy inside the band and 0 outside.
const Tensor& Hardtanh::backward(const Tensor& dy) {
  check_backward(x_.dimension() != 0, dy, x_);
  ensure_shape(dx_, dy.shape());
  const float *pdy = dy.data(), *px = x_.data();
  float* pdx = dx_.data();
  const float lo = min_, hi = max_;
  parallel_for(dy.size(), [=](std::size_t i0, std::size_t i1, int) {
    for (std::size_t i = i0; i < i1; ++i) pdx[i] = px[i] > lo && px[i] < hi ? pdy[i] : 0.f;
  }, kGrain);
  return dx_;
}

MINICNN_REGISTER_LAYER(Hardtanh, "hardtanh", "hardtanh [min=-1] [max=1]", [](const LayerArgs& a, const Shape&) {
  a.expect_positional(0, 0);
  return std::make_unique<Hardtanh>(a.number("min", -1.f), a.number("max", 1.f));
});

MINICNN_REGISTER_LAYER(ReLU6, "relu6", "relu6", [](const LayerArgs& a, const Shape&) {
  a.expect_positional(0, 0);
  return std::make_unique<Hardtanh>(0.f, 6.f);
});

void Hardtanh::release_scratch() {
  release(x_);
  release(y_);
  release(dx_);
}

}  // namespace minicnn
