#include "minicnn/layers/flatten.hpp"
#include "minicnn/core/registry.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/parallel.hpp"

namespace minicnn {

namespace {
// dst = src element for element (same size), each thread copying the images it handles in the
// layers around this one, so they stay in its core's cache.
void copy_rows(const Tensor& src, Tensor& dst) {
  const std::size_t N = src.shape(0), row = src.size() / N;
  parallel_for(N, [&](std::size_t n0, std::size_t n1, int) {
    std::copy(src.data() + n0 * row, src.data() + n1 * row, dst.data() + n0 * row);
  }, 8);
}
}  // namespace

template <class S>
void Flatten::check_input(const S& in) const {
  if (in.size() < 2 || in[0] == 0)
    throw std::invalid_argument(name() + ": expected input (N, ...) with at least 2 dimensions and N > 0, got " +
                                shape_str(in));
}

Shape Flatten::output_shape(const Shape& in) {
  check_input(in);
  std::size_t features = 1;
  for (std::size_t d = 1; d < in.size(); ++d) features *= in[d];
  return {in[0], features};
}

const Tensor& Flatten::forward(const Tensor& x) {
  check_input(x.shape());
  x_shape_ = x.shape();
  ensure_shape(y_, {x.shape(0), x.size() / x.shape(0)});
  copy_rows(x, y_);
  return y_;
}

// Flatten only renames elements, so the gradient is dy read back in the input's shape.
const Tensor& Flatten::backward(const Tensor& dy) {
  check_backward(!x_shape_.empty(), dy, y_);
  ensure_shape(dx_, x_shape_);
  copy_rows(dy, dx_);
  return dx_;
}


MINICNN_REGISTER_LAYER(Flatten, "flatten", "flatten", [](const LayerArgs& a, const Shape&) {
  a.expect_positional(0, 0);
  return std::make_unique<Flatten>();
});

void Flatten::release_scratch() {
  x_shape_.clear();
  release(y_);
  release(dx_);
}

}  // namespace minicnn
