#pragma once
// Finite-difference checks of the explanation gradients (explain/gradients.hpp): dz/dx and dz/dA
// for z a class logit in eval mode, A the output of any layer (nested ones too).
#include <cmath>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "minicnn/explain/gradients.hpp"

namespace minicnn::test {

// ||a - b|| / ||b|| (b the finite differences).
inline double relative_error(const Tensor& a, const Tensor& b) {
  double d = 0, n = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    d += std::pow(double(a.data()[i]) - b.data()[i], 2);
    n += std::pow(double(b.data()[i]), 2);
  }
  return std::sqrt(d) / std::max(std::sqrt(n), 1e-12);
}

// The sum over images of logit classes[n] of image n, in eval mode.
inline double class_score(Sequential& model, const Tensor& x, const std::vector<std::size_t>& classes) {
  TrainingModeGuard eval(model, false);
  const Tensor& y = model.forward(x);
  double z = 0;
  for (std::size_t n = 0; n < classes.size(); ++n) z += y(n, classes[n]);
  return z;
}

// d(class_score)/dx by central differences.
inline Tensor numeric_input_gradient(Sequential& model, Tensor x, const std::vector<std::size_t>& classes, float h) {
  Tensor g = Tensor::from_shape(x.shape());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const float v = x.data()[i];
    x.data()[i] = v + h;
    const double up = class_score(model, x, classes);
    x.data()[i] = v - h;
    const double down = class_score(model, x, classes);
    x.data()[i] = v;
    g.data()[i] = static_cast<float>((up - down) / (2.0 * h));
  }
  return g;
}

// Adds delta to one element of a layer's output as it leaves the layer: the finite difference of
// anything downstream with respect to that element.
class Nudge final : public LayerHook {
 public:
  Nudge(Layer& layer, std::size_t index, float delta) : layer_(layer), index_(index), delta_(delta) { layer.set_hook(this); }
  ~Nudge() override { layer_.set_hook(nullptr); }
  void after_forward(Layer&, const Tensor& y) override { const_cast<Tensor&>(y).data()[index_] += delta_; }
  const Tensor* before_backward(Layer&, const Tensor&) override { return nullptr; }

 private:
  Layer& layer_;
  std::size_t index_;
  float delta_;
};

// d(class_score)/dA at the given elements of A (the output of the layer at path), by central
// differences; the other elements are 0.
inline Tensor numeric_layer_gradient(Sequential& model, const Tensor& x, const std::vector<std::size_t>& classes,
                                     const std::string& path, const Shape& a_shape, const std::vector<std::size_t>& elements,
                                     float h) {
  Tensor g = xt::zeros<float>(a_shape);
  Layer& layer = explain::layer_at(model, path);
  for (const std::size_t i : elements) {
    double up, down;
    {
      Nudge n(layer, i, h);
      up = class_score(model, x, classes);
    }
    {
      Nudge n(layer, i, -h);
      down = class_score(model, x, classes);
    }
    g.data()[i] = static_cast<float>((up - down) / (2.0 * h));
  }
  return g;
}

// Only the given elements of t (the others 0), to compare with numeric_layer_gradient.
inline Tensor only(const Tensor& t, const std::vector<std::size_t>& elements) {
  Tensor o = xt::zeros<float>(t.shape());
  for (const std::size_t i : elements) o.data()[i] = t.data()[i];
  return o;
}

}  // namespace minicnn::test
