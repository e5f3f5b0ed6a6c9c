// Receptive fields of plain, pooled, dilated and residual layers, against hand-computed values and
// against the gradient: the input pixels that can change an output position are its field.
#include "explain/explain_checks.hpp"
#include "helpers.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("Receptive field: lenet5's layers, by hand") {
  auto model = build_model(expand_preset("lenet5", 10), {1, 28, 28});
  const auto rf = [&](const std::string& p) { return explain::receptive_field(*model, p, {1, 28, 28}); };
  // conv 5 pad=2: 5 pixels, centred on the output position.
  CHECK(rf("0").y.size == 5);
  CHECK(rf("0").y.jump == 1);
  CHECK(rf("0").window(0, 0).top == -2);
  // maxpool 2: 6 pixels, stride 2, output 0 centred at 0.5.
  CHECK(rf("2").y.size == 6);
  CHECK(rf("2").y.jump == 2);
  CHECK(rf("2").window(3, 1).top == 4);
  CHECK(rf("2").window(3, 1).left == 0);
  // conv 5 after it: 6 + 4 * 2 = 14; the second pool: 14 + 1 * 2 = 16, stride 4.
  CHECK(rf("3").y.size == 14);
  CHECK(rf("5").y.size == 16);
  CHECK(rf("5").y.jump == 4);
  CHECK(rf("5").str() == "16x16 pixels, stride 4");
  // Flatten and everything after it see the whole picture.
  CHECK(rf("6").y.size == 28);
  CHECK(rf("7").window(0, 0).top == 0);
}

TEST_CASE("Receptive field: dilation, rectangular kernels, residual branches") {
  auto model = build_model("conv 2 3x5 dilation=2 pad=2x4, res[conv 2 3 stride=2 pad=1, relu, conv 2 3 pad=1](conv 2 1 stride=2) post=relu, relu",
                           {1, 20, 20});
  const auto a = explain::receptive_field(*model, "0", {1, 20, 20});
  CHECK(a.y.size == 5);  // (3 - 1) * 2 + 1
  CHECK(a.x.size == 9);  // (5 - 1) * 2 + 1
  const auto body0 = explain::receptive_field(*model, "1.body.0", {1, 20, 20});
  CHECK(body0.y.size == 7);  // 5 + 2 * 1
  CHECK(body0.y.jump == 2);
  const auto whole = explain::receptive_field(*model, "1", {1, 20, 20});
  CHECK(whole.y.size == 11);  // 7 + 2 * 2, the larger branch
  CHECK(explain::receptive_field(*model, "1.post", {1, 20, 20}).y.size == 11);  // after the sum
}

TEST_CASE("Receptive field: every input pixel that changes an output lies inside its window") {
  auto model = build_model(expand_preset("resnet-mini-gray", 10), {1, 28, 28});
  const Tensor x = randn({1, 1, 28, 28}, 3);
  for (const std::string path : {"0", "3.body.0", "3", "4.body.0", "4.shortcut.0", "4"}) {
    CAPTURE(path);
    explain::LayerTap tap(*model, path);
    const auto rf = explain::receptive_field(*model, path, {1, 28, 28});
    {
      TrainingModeGuard eval(*model, false);
      model->forward(x);
    }
    const std::size_t H = tap.output().shape(2), W = tap.output().shape(3);
    for (const auto& [oy, ox] : {std::pair<std::size_t, std::size_t>{0, 0}, {H / 2, W / 3}, {H - 1, W - 1}}) {
      // The gradient of the single output (oy, ox, channel 0): inject it by hand.
      // The channel most active there: a ReLU'd output that is 0 has no gradient at all.
      std::size_t best = 0;
      for (std::size_t c = 1; c < tap.output().shape(1); ++c)
        if (tap.output()(0, c, oy, ox) > tap.output()(0, best, oy, ox)) best = c;
      Tensor seed = xt::zeros<float>(tap.output().shape());
      seed(0, best, oy, ox) = 1.f;
      explain::ExplainMode mode(*model);
      const Tensor& y = model->forward(x);
      tap.inject(&seed);
      const Tensor dx = model->backward(xt::zeros<float>(y.shape()));
      tap.inject(nullptr);
      const auto w = rf.window(oy, ox);
      std::size_t outside = 0, inside = 0;
      for (long iy = 0; iy < 28; ++iy)
        for (long ix = 0; ix < 28; ++ix) {
          const bool in = iy >= w.top && iy < w.top + w.height && ix >= w.left && ix < w.left + w.width;
          (in ? inside : outside) += dx(0, 0, iy, ix) != 0.f;
        }
      CHECK(outside == 0);
      CHECK(inside > 0);
    }
  }
}

TEST_CASE("Receptive field: unknown paths and shapes are named") {
  auto model = build_model(expand_preset("lenet5", 10), {1, 28, 28});
  CHECK_THROWS_WITH_AS(explain::receptive_field(*model, "12", {1, 28, 28}), contains("no layer '12' (layers 0-11)"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(explain::receptive_field(*model, "3", {28, 28}), contains("expected an input shape (C, H, W)"), std::invalid_argument);
}
