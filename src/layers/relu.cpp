#include "minicnn/layers/relu.hpp"
#include "minicnn/core/registry.hpp"

#include <stdexcept>

#include "core/parallel.hpp"

namespace minicnn {

namespace {
// Split over threads only from 32k elements on (lenet5's first ReLU has 301k per batch; its
// last ones, 7.7k and fewer, cost less than waking a thread).
constexpr std::size_t kGrain = 32768;
}  // namespace

const Tensor& ReLU::forward(const Tensor& x) {
  ensure_shape(y_, x.shape());
  const float* px = x.data();
  float* py = y_.data();
  parallel_for(x.size(), [px, py](std::size_t i0, std::size_t i1, int) {
    for (std::size_t i = i0; i < i1; ++i) py[i] = px[i] > 0.f ? px[i] : 0.f;
  }, kGrain);
  return y_;
}

// dL/dx = dL/dy where x > 0, and 0 elsewhere (we take the subgradient 0 at x == 0).
const Tensor& ReLU::backward(const Tensor& dy) {
  check_backward(y_.dimension() != 0, dy, y_);
  ensure_shape(dx_, dy.shape());
  const float *pdy = dy.data(), *py = y_.data();
  float* pdx = dx_.data();
  // Both inputs are read unconditionally so the select compiles to a branch-free vector blend.
  // Written as py[i] > 0 ? pdy[i] : 0, GCC makes it a branch on the sign, which mispredicts on
  // half the values (bench/RESULTS.md, "Measurements behind comments in the code").
  parallel_for(dy.size(), [pdy, py, pdx](std::size_t i0, std::size_t i1, int) {
    for (std::size_t i = i0; i < i1; ++i) {
      const float d = pdy[i];
      pdx[i] = py[i] > 0.f ? d : 0.f;
    }
  }, kGrain);
  return dx_;
}


MINICNN_REGISTER_LAYER(ReLU, "relu", "relu", [](const LayerArgs& a, const Shape&) {
  a.expect_positional(0, 0);
  return std::make_unique<ReLU>();
});

void ReLU::release_scratch() {
  release(y_);
  release(dx_);
}

}  // namespace minicnn
