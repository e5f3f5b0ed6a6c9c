// Saliency, Grad-CAM and occlusion against their definitions computed by hand; synthesized inputs.
#include "explain/explain_checks.hpp"
#include "helpers.hpp"

using namespace minicnn;
using namespace minicnn::test;

namespace {

std::unique_ptr<Sequential> small_rgb() {
  manual_seed(4);
  return build_model("conv 4 3 pad=1, tanh, maxpool 2, conv 6 3 pad=1, tanh, flatten, linear 3", {3, 8, 8});
}

}  // namespace

TEST_CASE("Saliency is the largest |dz/dx| over input channels") {
  auto model = small_rgb();
  const Tensor x = randn({1, 3, 8, 8}, 1);
  const Tensor s = explain::saliency(*model, x, 2);
  const Tensor g = explain::class_gradients(*model, x, {2}).input_grad;
  REQUIRE(s.shape() == Tensor::shape_type{8, 8});
  for (std::size_t y = 0; y < 8; ++y)
    for (std::size_t xx = 0; xx < 8; ++xx)
      CHECK(s(y, xx) == std::max({std::abs(g(0, 0, y, xx)), std::abs(g(0, 1, y, xx)), std::abs(g(0, 2, y, xx))}));
  CHECK(relative_error(g, numeric_input_gradient(*model, x, {2}, 1e-2f)) < 1e-2);
}

TEST_CASE("Grad-CAM is ReLU of the maps weighted by their mean gradients") {
  auto model = small_rgb();
  const Tensor x = randn({1, 3, 8, 8}, 2);
  CHECK(explain::default_gradcam_layer(*model, {3, 8, 8}) == "4");
  const Tensor cam = explain::gradcam(*model, x, 1, "3");
  explain::LayerTap tap(*model, "3");
  explain::class_gradients(*model, x, {1});
  const Tensor &A = tap.output(), &dA = tap.grad();
  REQUIRE(cam.shape() == Tensor::shape_type{4, 4});
  for (std::size_t y = 0; y < 4; ++y)
    for (std::size_t xx = 0; xx < 4; ++xx) {
      double v = 0;
      for (std::size_t k = 0; k < 6; ++k) {
        double alpha = 0;
        for (std::size_t i = 0; i < 16; ++i) alpha += dA.data()[k * 16 + i] / 16.0;
        v += alpha * A(0, k, y, xx);
      }
      CHECK(cam(y, xx) == doctest::Approx(std::max(0.0, v)).epsilon(1e-5));
    }
  CHECK_THROWS_WITH_AS(explain::gradcam(*model, x, 1, "6"), contains("Grad-CAM: layer 6 (Linear(in_features=96, out_features=3, bias=True)) gives (3), not maps"),
                       std::invalid_argument);
  auto flat = build_model("flatten, linear 3", {1, 4, 4});
  CHECK_THROWS_WITH_AS(explain::default_gradcam_layer(*flat, {1, 4, 4}), contains("no layer of this model gives maps"), std::invalid_argument);
}

TEST_CASE("Occlusion is the drop in the class probability under a zero patch") {
  auto model = small_rgb();
  const Tensor x = randn({1, 3, 8, 8}, 3);
  explain::OcclusionOptions o;
  o.patch = 3;
  o.stride = 1;
  const Tensor map = explain::occlusion(*model, x, 0, o);
  REQUIRE(map.shape() == Tensor::shape_type{8, 8});
  const auto prob = [&](const Tensor& in) {
    TrainingModeGuard eval(*model, false);
    return explain::softmax(model->forward(in))(0, 0);
  };
  const float base = prob(x);
  for (const auto& [cy, cx] : {std::pair<long, long>{0, 0}, {4, 5}, {7, 2}}) {
    Tensor covered = x;
    for (long c = 0; c < 3; ++c)
      for (long y = cy - 1; y <= cy + 1; ++y)
        for (long xx = cx - 1; xx <= cx + 1; ++xx)
          if (y >= 0 && y < 8 && xx >= 0 && xx < 8) covered(0, c, y, xx) = 0.f;
    CHECK(map(cy, cx) == doctest::Approx(base - prob(covered)).epsilon(1e-5));
  }
  // A stride of 2: centres on even pixels, each pixel takes its nearest centre's value.
  o.stride = 2;
  const Tensor coarse = explain::occlusion(*model, x, 0, o);
  CHECK(coarse(4, 4) == doctest::Approx(map(4, 4)).epsilon(1e-5));
  CHECK(coarse(4, 5) == coarse(4, 6));
  CHECK(explain::occlusion_defaults({}, {1, 28, 28}).patch == 7);
  CHECK(explain::occlusion_defaults({}, {1, 28, 28}).stride == 1);
  CHECK(explain::occlusion_defaults({}, {3, 224, 224}).stride == 8);
}

TEST_CASE("Synthesized inputs excite their channel, stay in range, and repeat for a seed") {
  auto model = small_rgb();
  Normalization norm;
  norm.mean = {0.5f, 0.4f, 0.3f};
  norm.std = {0.25f, 0.2f, 0.3f};
  explain::SynthesisOptions o;
  explain::input_range(norm, 3, o.low, o.high);
  CHECK(o.low[0] == doctest::Approx(-2.f));
  CHECK(o.high[1] == doctest::Approx(3.f));
  o.steps = 64;
  const Tensor a = explain::synthesize(*model, {3, 8, 8}, "3", {0, 1, 2, 3, 4, 5}, o);
  REQUIRE(a.shape() == Tensor::shape_type{6, 3, 8, 8});
  for (std::size_t n = 0; n < 6; ++n)
    for (std::size_t c = 0; c < 3; ++c)
      for (std::size_t i = 0; i < 64; ++i) {
        const float v = a.data()[(n * 3 + c) * 64 + i];
        CHECK((v >= o.low[c] && v <= o.high[c]));
      }
  CHECK(bit_identical(a, explain::synthesize(*model, {3, 8, 8}, "3", {0, 1, 2, 3, 4, 5}, o)));
  // Each picture excites its own channel more than the flat middle-grey start does.
  explain::LayerTap tap(*model, "3");
  const auto grown = explain::channel_gradients(*model, tap, a, {0, 1, 2, 3, 4, 5}).activation;
  Tensor flat = Tensor::from_shape({6, 3, 8, 8});
  for (std::size_t n = 0; n < 6; ++n)
    for (std::size_t c = 0; c < 3; ++c)
      for (std::size_t i = 0; i < 64; ++i) flat.data()[(n * 3 + c) * 64 + i] = (o.low[c] + o.high[c]) / 2;
  const auto start = explain::channel_gradients(*model, tap, flat, {0, 1, 2, 3, 4, 5}).activation;
  for (std::size_t c = 0; c < 6; ++c) CHECK(grown[c] > start[c]);
}
