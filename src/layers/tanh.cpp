#include "minicnn/layers/tanh.hpp"
#include "minicnn/core/registry.hpp"

#include <cmath>
#include <stdexcept>

namespace minicnn {

const Tensor& Tanh::forward(const Tensor& x) {
  ensure_shape(y_, x.shape());
  const float* px = x.data();
  float* py = y_.data();
  for (std::size_t i = 0, n = x.size(); i < n; ++i) py[i] = std::tanh(px[i]);
  return y_;
}

// d tanh(x)/dx = 1 - tanh(x)^2, so dL/dx = dL/dy * (1 - y^2): the output is all backward needs.
const Tensor& Tanh::backward(const Tensor& dy) {
  check_backward(y_.dimension() != 0, dy, y_);
  ensure_shape(dx_, dy.shape());
  const float *pdy = dy.data(), *py = y_.data();
  float* pdx = dx_.data();
  for (std::size_t i = 0, n = dy.size(); i < n; ++i) pdx[i] = pdy[i] * (1.f - py[i] * py[i]);
  return dx_;
}

MINICNN_REGISTER_LAYER(Tanh, "tanh", "tanh", [](const LayerArgs& a, const Shape&) {
  a.expect_positional(0, 0);
  return std::make_unique<Tanh>();
});

void Tanh::release_scratch() {
  release(y_);
  release(dx_);
}

}  // namespace minicnn
