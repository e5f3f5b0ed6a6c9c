// Explanation gradients through a whole residual network, the layer taps, and their errors.
#include "explain/explain_checks.hpp"
#include <numeric>

#include "helpers.hpp"

using namespace minicnn;
using namespace minicnn::test;

namespace {

// resnet-mini-gray's architecture (stem, three residual stages with projection shortcuts,
// BatchNorm, global pooling, head) with tanh for its ReLUs and no ReLU after the sums: finite
// differences across ReLU kinks misjudge a few percent of the gradient, which would hide a real
// error. The ReLU network itself is checked against PyTorch's autograd (tests/cli/explain_torch_test.sh).
std::unique_ptr<Sequential> resnet_mini_gray() {
  manual_seed(3);
  std::string spec = expand_preset("resnet-mini-gray", 10);
  for (std::size_t at; (at = spec.find(" post=relu")) != std::string::npos;) spec.erase(at, 10);
  for (std::size_t at; (at = spec.find("relu")) != std::string::npos;) spec.replace(at, 4, "tanh");
  auto model = build_model(spec, {1, 28, 28});
  // Running statistics away from their (0, 1) start, so eval-mode BatchNorm is not the identity.
  Rng rng(5);
  for (auto& [name, b] : model->buffers())
    for (auto& v : *b) v = name.find("running_var") != std::string::npos ? rng.uniform(0.5f, 1.5f) : rng.uniform(-0.2f, 0.2f);
  return model;
}

// Every 97th element, and the last: a spread-out sample of a large tensor.
std::vector<std::size_t> sample_of(std::size_t n) {
  std::vector<std::size_t> s;
  for (std::size_t i = 0; i < n; i += 97) s.push_back(i);
  s.push_back(n - 1);
  return s;
}

}  // namespace

TEST_CASE("resnet-mini-gray: the gradient of a class logit to the input and to nested layers' outputs") {
  auto model = resnet_mini_gray();
  const Tensor x = randn({1, 1, 28, 28}, 11);
  const std::vector<std::size_t> cls{4};
  explain::LayerTap stem(*model, "0"), inner(*model, "3.body.0"), block(*model, "4"), shortcut(*model, "4.shortcut.1");
  const explain::ClassGradients g = explain::class_gradients(*model, x, cls);
  CHECK(g.logits.shape() == Tensor::shape_type{1, 10});
  CHECK(relative_error(g.input_grad, numeric_input_gradient(*model, x, cls, 1e-2f)) < 1e-2);
  for (explain::LayerTap* tap : {&stem, &inner, &block, &shortcut}) {
    CAPTURE(tap->path());
    const auto elements = sample_of(tap->output().size());
    const Tensor fd = numeric_layer_gradient(*model, x, cls, tap->path(), shape_of(tap->output()), elements, 1e-2f);
    CHECK(relative_error(only(tap->grad(), elements), fd) < 1e-2);
  }
}

TEST_CASE("A channel's activation: its value and its gradient to the input, through residual blocks") {
  auto model = resnet_mini_gray();
  Tensor x = randn({2, 1, 28, 28}, 12);
  explain::LayerTap tap(*model, "4.body.3");
  for (const auto reduce : {explain::Reduce::max, explain::Reduce::mean}) {
    const explain::ChannelGradients g = explain::channel_gradients(*model, tap, x, {3, 17}, reduce);
    // The activation as the tap saw it, and its finite differences with respect to the input.
    auto activation = [&](const Tensor& in) {
      TrainingModeGuard eval(*model, false);
      model->forward(in);
      const Tensor& A = tap.output();
      const std::size_t plane = A.shape(2) * A.shape(3);
      double sum = 0;
      for (std::size_t n = 0; n < 2; ++n) {
        const float* a = A.data() + (n * A.shape(1) + (n ? 17 : 3)) * plane;
        sum += reduce == explain::Reduce::max ? *std::max_element(a, a + plane) : std::accumulate(a, a + plane, 0.0) / plane;
      }
      return sum;
    };
    CHECK(g.activation.size() == 2);
    CHECK(activation(x) == doctest::Approx(g.activation[0] + g.activation[1]).epsilon(1e-5));
    Tensor fd = Tensor::from_shape(x.shape());
    for (std::size_t i = 0; i < x.size(); ++i) {
      const float v = x.data()[i];
      x.data()[i] = v + 1e-2f;
      const double up = activation(x);
      x.data()[i] = v - 1e-2f;
      const double down = activation(x);
      x.data()[i] = v;
      fd.data()[i] = static_cast<float>((up - down) / 2e-2);
    }
    CHECK(relative_error(g.input_grad, fd) < 1e-2);
  }
}

TEST_CASE("Explanations leave the model as they found it: mode, input gradient flag, hooks") {
  auto model = resnet_mini_gray();
  model->train();
  model->set_needs_input_grad(false);
  {
    explain::LayerTap tap(*model, "3.body.0");
    explain::class_gradients(*model, randn({1, 1, 28, 28}, 1), {0});
    CHECK(explain::layer_at(*model, "3.body.0").hook() == &tap);
  }
  CHECK(model->training());
  CHECK_FALSE(model->needs_input_grad());
  CHECK(explain::layer_at(*model, "3.body.0").hook() == nullptr);
}

TEST_CASE("Explanation gradients: bad paths, classes, channels and inputs are named") {
  auto model = resnet_mini_gray();
  CHECK_THROWS_WITH_AS(explain::LayerTap(*model, "30"), contains("no layer '30' (layers 0-7; nested layers"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(explain::LayerTap(*model, "3.body.9"), contains("no layer '3.body.9'"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(explain::class_gradients(*model, randn({1, 1, 28, 28}, 1), {10}),
                       contains("class 10 is out of range: the model has 10 classes (0-9)"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(explain::class_gradients(*model, randn({784}, 1), {1}), contains("expected a batch of inputs (N, C, H, W) or (N, F)"),
                       std::invalid_argument);
  explain::LayerTap tap(*model, "0");
  CHECK_THROWS_WITH_AS(explain::channel_gradients(*model, tap, randn({1, 1, 28, 28}, 1), {16}),
                       contains("layer 0 has 16 channels (0-15), not 16"), std::invalid_argument);
  CHECK(explain::conv_layer_paths(*model) ==
        std::vector<std::string>{"0", "3.body.0", "3.body.3", "4.body.0", "4.body.3", "4.shortcut.0", "5.body.0", "5.body.3",
                                 "5.shortcut.0"});
}
