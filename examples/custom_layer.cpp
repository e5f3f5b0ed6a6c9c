// A new layer in one file: Swish, y = x * sigmoid(x) (Ramachandran et al., 2017).
// docs/EXTENDING.md walks through this file; every code block there is copied from here, and a
// test checks they still match. This program is also run by the test suite: it checks the layer's
// gradients, trains a model that uses it through a spec string, saves it and loads it back.
#include <cmath>
#include <cstdio>
#include <exception>

#include "minicnn/minicnn.hpp"

namespace minicnn {

// [layer]
// y = x * s(x) with s(x) = 1 / (1 + exp(-x)); any shape.
class Swish final : public Layer {
 public:
  const Tensor& forward(const Tensor& x) override {
    copy_into(x_, x);  // backward needs x
    ensure_shape(y_, x.shape());
    for (std::size_t i = 0; i < x.size(); ++i) y_.data()[i] = x.data()[i] / (1.f + std::exp(-x.data()[i]));
    return y_;
  }

  // dy/dx = s(x) + x s(x) (1 - s(x)) = s(x) (1 + x (1 - s(x))), so dL/dx = dL/dy * that.
  const Tensor& backward(const Tensor& dy) override {
    check_backward(x_.dimension() != 0, dy, x_);  // after a forward, and dy shaped like y (= x here)
    ensure_shape(dx_, dy.shape());
    for (std::size_t i = 0; i < dy.size(); ++i) {
      const float x = x_.data()[i], s = 1.f / (1.f + std::exp(-x));
      dx_.data()[i] = dy.data()[i] * s * (1.f + x * (1.f - s));
    }
    return dx_;
  }

  std::string name() const override { return "Swish()"; }
  std::string spec() const override { return "swish"; }  // what the spec parser reads back
  void release_scratch() override {  // free what it keeps between calls (building a model asks)
    release(x_);
    release(y_);
    release(dx_);
  }

 private:
  Tensor x_, y_, dx_;
};
// [layer]

// [register]
MINICNN_REGISTER_LAYER(Swish, "swish", "swish", [](const LayerArgs& args, const Shape& /*input_shape*/) {
  args.expect_positional(0, 0);  // "swish" takes no values
  return std::make_unique<Swish>();
});
// [register]

}  // namespace minicnn

int main() try {
  using namespace minicnn;
  // [gradcheck]
  Swish swish;
  Tensor x = Tensor::from_shape({2, 3, 4});
  init::normal(x, 0.f, 1.f);
  const GradCheckResult check = check_gradients(swish, x);
  if (!check.ok()) {
    std::fprintf(stderr, "gradient check failed:\n%s", check.report.c_str());
    return 1;
  }
  // [gradcheck]
  std::printf("Swish passes the gradient check (%zu values compared)\n", check.checked);

  // [spec]
  manual_seed(1);
  auto model = build_model("conv 4 3 pad=1, swish, maxpool 2, flatten, linear 2", {1, 8, 8});
  std::printf("%s", model->summary({1, 8, 8}).c_str());
  // [spec]

  // Vertical (label 0) or horizontal (label 1) bars, as in the test suite.
  Tensor images = xt::zeros<float>({32, 1, 8, 8});
  std::vector<int> labels(32);
  for (std::size_t n = 0; n < 32; ++n) {
    labels[n] = static_cast<int>(n % 2);
    for (std::size_t k = 0; k < 8; ++k) {
      if (labels[n] == 0) images(n, 0, k, 1 + n % 6) = 1.f;
      else images(n, 0, 1 + n % 6, k) = 1.f;
    }
  }
  SoftmaxCrossEntropy loss;
  SGD opt(model->parameters(), 0.1f, 0.9f);
  float first = 0, last = 0;
  for (int step = 0; step < 40; ++step) {
    last = loss.forward(model->forward(images), labels);
    if (step == 0) first = last;
    model->backward(loss.backward());
    opt.step();
  }
  std::printf("loss %.4f -> %.4f\n", first, last);
  if (!(last < 0.5f * first)) {
    std::fprintf(stderr, "the model did not learn\n");
    return 1;
  }

  // [checkpoint]
  CheckpointInfo info;
  info.spec = model->spec();  // "conv 4 3 pad=1, swish, maxpool 2, flatten, linear 2"
  info.input_shape = {1, 8, 8};
  save_checkpoint("custom_layer_example.npz", *model, info);
  auto reloaded = load_model("custom_layer_example.npz");  // rebuilt from the spec: finds "swish"
  // [checkpoint]
  model->eval();
  reloaded->eval();
  const Tensor a = model->forward(images), b = reloaded->forward(images);
  if (!(a == b)) {
    std::fprintf(stderr, "the reloaded model answers differently\n");
    return 1;
  }
  std::printf("saved and reloaded %s: same outputs\n", reloaded->spec().c_str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "custom_layer: %s\n", e.what());
  return 1;
}
