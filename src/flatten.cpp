#include "minicnn/flatten.hpp"
#include "minicnn/registry.hpp"

#include <algorithm>
#include <stdexcept>

namespace minicnn {

const Tensor& Flatten::forward(const Tensor& x) {
  if (x.dimension() < 2 || x.shape(0) == 0)
    throw std::invalid_argument(name() + ": expected input (N, ...) with at least 2 dimensions and N > 0, got " +
                                shape_str(x.shape()));
  x_shape_ = x.shape();
  ensure_shape(y_, {x.shape(0), x.size() / x.shape(0)});
  std::copy(x.data(), x.data() + x.size(), y_.data());
  return y_;
}

// Flatten only renames elements, so the gradient is dy read back in the input's shape.
const Tensor& Flatten::backward(const Tensor& dy) {
  if (x_shape_.empty()) throw std::logic_error(name() + ": backward called before forward");
  expect_same_shape(dy, y_.shape(), "Flatten::backward dy");
  ensure_shape(dx_, x_shape_);
  std::copy(dy.data(), dy.data() + dy.size(), dx_.data());
  return dx_;
}


MINICNN_REGISTER_LAYER(Flatten, "flatten", "flatten", [](const LayerArgs& a, const Shape&) {
  a.expect_positional(0, 0);
  return std::make_unique<Flatten>();
});

}  // namespace minicnn
