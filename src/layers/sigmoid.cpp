#include "minicnn/layers/sigmoid.hpp"
#include "minicnn/core/registry.hpp"

#include <cmath>
#include <stdexcept>

namespace minicnn {

const Tensor& Sigmoid::forward(const Tensor& x) {
  ensure_shape(y_, x.shape());
  const float* px = x.data();
  float* py = y_.data();
  for (std::size_t i = 0, n = x.size(); i < n; ++i) {
    // exp of a non-positive number only, so it never overflows: for x < 0, s = e^x / (1 + e^x).
    const float e = std::exp(-std::abs(px[i]));
    py[i] = px[i] >= 0.f ? 1.f / (1.f + e) : e / (1.f + e);
  }
  return y_;
}

// d sigmoid(x)/dx = y (1 - y), so dL/dx = dL/dy * y * (1 - y).
const Tensor& Sigmoid::backward(const Tensor& dy) {
  check_backward(y_.dimension() != 0, dy, y_);
  ensure_shape(dx_, dy.shape());
  const float *pdy = dy.data(), *py = y_.data();
  float* pdx = dx_.data();
  for (std::size_t i = 0, n = dy.size(); i < n; ++i) pdx[i] = pdy[i] * py[i] * (1.f - py[i]);
  return dx_;
}

MINICNN_REGISTER_LAYER(Sigmoid, "sigmoid", "sigmoid", [](const LayerArgs& a, const Shape&) {
  a.expect_positional(0, 0);
  return std::make_unique<Sigmoid>();
});

void Sigmoid::release_scratch() {
  release(y_);
  release(dx_);
}

}  // namespace minicnn
