#include "minicnn/explain/gradients.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "minicnn/core/text.hpp"
#include "minicnn/layers/conv2d.hpp"

namespace minicnn::explain {

Layer& layer_at(Sequential& model, const std::string& path) {
  if (Layer* l = path.empty() ? nullptr : find_layer(model, path)) return *l;
  bool nested = false;
  std::vector<std::string> paths;
  for (const auto& [p, l] : named_layers(model)) {
    nested = nested || p.find('.') != std::string::npos;
    paths.push_back(p);
  }
  const std::string range = model.size() ? "layers 0-" + std::to_string(model.size() - 1) : "the model has no layers";
  throw std::invalid_argument("no layer '" + path + "'" + path_suggestion(path, paths) + " (" + range +
                              (nested ? "; nested layers are named by their path, e.g. 3.body.0" : "") + ")");
}

std::vector<std::string> conv_layer_paths(Sequential& model) {
  std::vector<std::string> paths;
  for (const auto& [p, l] : named_layers(model))
    if (dynamic_cast<Conv2d*>(l)) paths.push_back(p);
  return paths;
}

LayerTap::LayerTap(Sequential& model, const std::string& path)
    : path_(path), layer_(layer_at(model, path)), previous_(layer_.hook()) {
  layer_.set_hook(this);
}

LayerTap::~LayerTap() { layer_.set_hook(previous_); }

void LayerTap::after_forward(Layer& layer, const Tensor& y) {
  if (previous_) previous_->after_forward(layer, y);
  copy_into(output_, y);
}

const Tensor* LayerTap::before_backward(Layer& layer, const Tensor& dy) {
  const Tensor* g = &dy;
  if (previous_)
    if (const Tensor* r = previous_->before_backward(layer, dy)) g = r;
  if (inject_) {
    expect_same_shape(*inject_, dy.shape(), "LayerTap::inject");
    g = inject_;
  }
  copy_into(grad_, *g);
  return g == &dy ? nullptr : g;
}

ExplainMode::ExplainMode(Sequential& model)
    : model_(model), mode_(model, /*training=*/false), needed_input_grad_(model.needs_input_grad()) {
  model.set_needs_input_grad(true);
}

ExplainMode::~ExplainMode() { model_.set_needs_input_grad(needed_input_grad_); }

namespace {

void expect_images(const Tensor& x, std::size_t n, const char* who) {
  if (x.dimension() < 2 || x.shape(0) == 0)
    throw std::invalid_argument(std::string(who) + ": expected a batch of inputs (N, C, H, W) or (N, F), got " + shape_str(x.shape()));
  if (n != x.shape(0))
    throw std::invalid_argument(std::string(who) + ": " + std::to_string(x.shape(0)) + " images but " + std::to_string(n) +
                                " targets");
}

}  // namespace

ClassGradients class_gradients(Sequential& model, const Tensor& x, const std::vector<std::size_t>& classes) {
  expect_images(x, classes.size(), "class_gradients");
  ExplainMode mode(model);
  ClassGradients out;
  copy_into(out.logits, model.forward(x));
  if (out.logits.dimension() != 2)
    throw std::invalid_argument("class_gradients: the model's output is " + shape_str(out.logits.shape()) +
                                ", not class scores (N, classes)");
  const std::size_t K = out.logits.shape(1);
  Tensor dz = xt::zeros<float>(shape_of(out.logits));
  for (std::size_t n = 0; n < classes.size(); ++n) {
    if (classes[n] >= K)
      throw std::invalid_argument("class " + std::to_string(classes[n]) + " is out of range: the model has " + std::to_string(K) +
                                  " classes (0-" + std::to_string(K - 1) + ")");
    dz(n, classes[n]) = 1.f;
  }
  copy_into(out.input_grad, model.backward(dz));
  return out;
}

ChannelGradients channel_gradients(Sequential& model, LayerTap& tap, const Tensor& x, const std::vector<std::size_t>& channels,
                                   Reduce reduce) {
  expect_images(x, channels.size(), "channel_gradients");
  ExplainMode mode(model);
  const Tensor& y = model.forward(x);
  const Tensor& A = tap.output();
  if (A.dimension() != 4 && A.dimension() != 2)
    throw std::invalid_argument("layer " + tap.path() + " gives " + shape_str(A.shape()) + ", not channels (N, C, H, W) or (N, F)");
  const std::size_t N = A.shape(0), C = A.shape(1), plane = A.size() / (N * C);
  Tensor g = xt::zeros<float>(shape_of(A));
  ChannelGradients out;
  out.activation.resize(N);
  for (std::size_t n = 0; n < N; ++n) {
    if (channels[n] >= C)
      throw std::invalid_argument("layer " + tap.path() + " has " + std::to_string(C) + " channels (0-" + std::to_string(C - 1) +
                                  "), not " + std::to_string(channels[n]));
    const float* a = A.data() + (n * C + channels[n]) * plane;
    float* pg = g.data() + (n * C + channels[n]) * plane;
    if (reduce == Reduce::max) {
      const std::size_t at = static_cast<std::size_t>(std::max_element(a, a + plane) - a);  // the first largest
      out.activation[n] = a[at];
      pg[at] = 1.f;
    } else {
      double sum = 0;
      for (std::size_t i = 0; i < plane; ++i) sum += a[i];
      out.activation[n] = static_cast<float>(sum / static_cast<double>(plane));
      std::fill(pg, pg + plane, 1.f / static_cast<float>(plane));
    }
  }
  const Tensor dy = xt::zeros<float>(shape_of(y));  // the output does not matter: only A's channel does
  tap.inject(&g);
  struct Uninject {
    LayerTap& t;
    ~Uninject() { t.inject(nullptr); }
  } uninject{tap};
  copy_into(out.input_grad, model.backward(dy));
  return out;
}

Tensor softmax(const Tensor& logits) {
  expect_rank(logits, 2, "softmax", "logits (N, K)");
  Tensor p = logits;
  const std::size_t N = p.shape(0), K = p.shape(1);
  for (std::size_t n = 0; n < N; ++n) {
    float* r = p.data() + n * K;
    const float m = *std::max_element(r, r + K);
    double sum = 0;
    for (std::size_t k = 0; k < K; ++k) sum += (r[k] = std::exp(r[k] - m));
    for (std::size_t k = 0; k < K; ++k) r[k] = static_cast<float>(r[k] / sum);
  }
  return p;
}

}  // namespace minicnn::explain
