#include "minicnn/relu.hpp"
#include "minicnn/registry.hpp"

#include <stdexcept>

namespace minicnn {

const Tensor& ReLU::forward(const Tensor& x) {
  ensure_shape(y_, x.shape());
  const float* px = x.data();
  float* py = y_.data();
  for (std::size_t i = 0, n = x.size(); i < n; ++i) py[i] = px[i] > 0.f ? px[i] : 0.f;
  return y_;
}

// dL/dx = dL/dy where x > 0, and 0 elsewhere (we take the subgradient 0 at x == 0).
const Tensor& ReLU::backward(const Tensor& dy) {
  if (y_.dimension() == 0) throw std::logic_error("ReLU: backward called before forward");
  expect_same_shape(dy, y_.shape(), "ReLU::backward dy");
  ensure_shape(dx_, dy.shape());
  const float *pdy = dy.data(), *py = y_.data();
  float* pdx = dx_.data();
  for (std::size_t i = 0, n = dy.size(); i < n; ++i) pdx[i] = py[i] > 0.f ? pdy[i] : 0.f;
  return dx_;
}


MINICNN_REGISTER_LAYER(ReLU, "relu", "relu", [](const LayerArgs& a, const Shape&) {
  a.expect_positional(0, 0);
  return std::make_unique<ReLU>();
});

}  // namespace minicnn
