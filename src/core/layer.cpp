#include "minicnn/core/layer.hpp"

#include <algorithm>
#include <stdexcept>

namespace minicnn {

bool Layer::has_trainable_parameters() {
  const NamedLayers kids = children();
  if (!kids.empty()) {
    for (const auto& [name, child] : kids)
      if (child->has_trainable_parameters()) return true;
    return false;
  }
  for (const auto& [name, p] : parameters())
    if (!p->frozen) return true;
  return false;
}

Shape Layer::output_shape(const Shape& input_shape) {
  const TrainingModeGuard eval(*this, false);  // moves no BatchNorm statistics, draws no dropout mask
  const Tensor zeros = xt::zeros<float>(input_shape);
  Shape out = shape_of(forward(zeros));
  release_scratch();
  return out;
}

void Layer::release_scratch() {
  for (auto& [name, child] : children()) child->release_scratch();
}

void Layer::check_backward(bool forward_done, const Tensor& dy, const Tensor& y) const {
  if (!forward_done) throw std::logic_error(name() + ": backward called before forward");
  if (!std::equal(dy.shape().begin(), dy.shape().end(), y.shape().begin(), y.shape().end()))
    throw std::invalid_argument(name() + ": backward expected dy of shape " + shape_str(y.shape()) + ", got " +
                                shape_str(dy.shape()));
}

}  // namespace minicnn
