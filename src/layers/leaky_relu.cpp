#include "minicnn/layers/leaky_relu.hpp"
#include "minicnn/core/registry.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace minicnn {

LeakyReLU::LeakyReLU(float negative_slope) : slope_(negative_slope) {
  if (!std::isfinite(negative_slope))
    throw std::invalid_argument("LeakyReLU: negative_slope must be finite, got " + std::to_string(negative_slope));
}

std::string LeakyReLU::name() const {
  std::ostringstream os;
  os << "LeakyReLU(negative_slope=" << slope_ << ")";
  return os.str();
}

std::string LeakyReLU::spec() const {
  std::ostringstream os;
  os.precision(9);  // enough digits that the spec rebuilds exactly this float
  os << "leakyrelu slope=" << slope_;
  return os.str();
}

const Tensor& LeakyReLU::forward(const Tensor& x) {
  copy_into(x_, x);
  ensure_shape(y_, x.shape());
  const float* px = x.data();
  float* py = y_.data();
  for (std::size_t i = 0, n = x.size(); i < n; ++i) py[i] = px[i] > 0.f ? px[i] : slope_ * px[i];
  return y_;
}

// dL/dx = dL/dy where x > 0, negative_slope * dL/dy elsewhere (the slope's side at x == 0).
const Tensor& LeakyReLU::backward(const Tensor& dy) {
  check_backward(y_.dimension() != 0, dy, y_);
  ensure_shape(dx_, dy.shape());
  const float *pdy = dy.data(), *px = x_.data();
  float* pdx = dx_.data();
  for (std::size_t i = 0, n = dy.size(); i < n; ++i) pdx[i] = px[i] > 0.f ? pdy[i] : slope_ * pdy[i];
  return dx_;
}

MINICNN_REGISTER_LAYER(LeakyReLU, "leakyrelu", "leakyrelu [slope=0.01]", [](const LayerArgs& a, const Shape&) {
  a.expect_positional(0, 0);
  return std::make_unique<LeakyReLU>(a.number("slope", 0.01f));
});

void LeakyReLU::release_scratch() {
  release(x_);
  release(y_);
  release(dx_);
}

}  // namespace minicnn
