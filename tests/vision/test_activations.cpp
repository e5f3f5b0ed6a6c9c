#include "helpers.hpp"
#include "minicnn/vision/activations.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("layer_outputs keeps every top-level layer's output, in eval mode") {
  manual_seed(3);
  auto model = build_model("conv 2 3 pad=1, relu, dropout p=0.5, flatten, linear 4", {1, 5, 5});
  model->train();
  const Tensor x = randn({2, 1, 5, 5}, 9);
  const auto outs = layer_outputs(*model, x);
  REQUIRE(outs.size() == 5);
  CHECK(outs[0].path == "0");
  CHECK(outs[0].name.rfind("Conv2d(1, 2", 0) == 0);
  CHECK(outs[0].y.shape() == Shape{2, 2, 5, 5});
  CHECK(outs[4].y.shape() == Shape{2, 4});
  CHECK(outs[2].y == outs[1].y);  // dropout is the identity in eval mode
  CHECK(model->training());       // and the mode is restored
  model->eval();
  CHECK(outs[4].y == model->forward(x));
}

TEST_CASE("render_activations: a map per channel, one block per sample, black 0 for ReLU outputs, blue-white-red when signed") {
  Tensor y = xt::zeros<float>({2, 3, 2, 2});  // 2 samples, 3 channels of 2x2
  y(0, 1, 0, 0) = 4.f;                         // sample 0: one bright pixel in channel 1
  y(1, 0, 1, 1) = -2.f;                        // sample 1: signed
  y(1, 2, 0, 0) = 2.f;
  ActivationImageOptions o;
  o.min_tile = 8;  // 2x2 maps at 4 px per value
  const Image img = render_activations(y, o);
  CHECK(img.width == 3 * 8 + 2 * 2);
  CHECK(img.height == 2 * 8 + 8);
  Image copy = img;
  const std::uint8_t* bright = copy.at(10, 0);  // channel 1, pixel (0, 0) of sample 0
  CHECK((bright[0] == 255 && bright[1] == 255 && bright[2] == 255));
  const std::uint8_t* dark = copy.at(0, 0);  // channel 0 of sample 0: zero -> black
  CHECK((dark[0] == 0 && dark[1] == 0 && dark[2] == 0));
  const std::uint8_t* zero_signed = copy.at(0, 16);  // sample 1 is signed: zero -> white
  CHECK((zero_signed[0] == 255 && zero_signed[1] == 255 && zero_signed[2] == 255));
  const std::uint8_t* negative = copy.at(7, 23);  // channel 0, pixel (1, 1): -2 -> blue
  CHECK(negative[2] > negative[0]);
  const std::uint8_t* positive = copy.at(20, 16);  // channel 2, pixel (0, 0): +2 -> red
  CHECK(positive[0] > positive[2]);
}

TEST_CASE("render_activations: flat outputs as cells that wrap, bad shapes refused") {
  ActivationImageOptions o;
  o.cell = 10;
  o.max_width = 58;  // 5 cells of 10 px with 2 px gaps fit: 12 values need 3 lines, of 4 cells each
  const Image img = render_activations(xt::ones<float>({1, 12}), o);
  CHECK(img.width == 4 * 10 + 3 * 2);
  CHECK(img.height == 3 * 10 + 2 * 2);
  CHECK_THROWS_WITH_AS(render_activations(xt::ones<float>({4})),
                       "render_activations: expected an output (N, C, H, W) or (N, F), got (4)", std::invalid_argument);
}

TEST_CASE("activation_layout says where render_activations puts each channel, for any gap") {
  Tensor y = xt::zeros<float>({1, 5, 3, 3});
  y(0, 4, 0, 0) = 1.f;  // channel 4's first value is the only bright pixel
  ActivationImageOptions o;
  o.min_tile = 3, o.gap = 1, o.max_width = 11;  // 3 px tiles, 1 px gaps: 3 fit a line, lines of even length: 3 + 2
  const ActivationLayout t = activation_layout({5, 3, 3}, o);
  CHECK(t.count == 5);
  CHECK((t.tile_w == 3 && t.tile_h == 3 && t.cols == 3 && t.gap == 1));
  Image img = render_activations(y, o);
  CHECK(img.width == 3 * 3 + 2);
  CHECK(img.height == 2 * 3 + 1);
  const std::size_t x0 = (4 % t.cols) * (t.tile_w + t.gap), y0 = (4 / t.cols) * (t.tile_h + t.gap);
  CHECK(img.at(x0, y0)[0] == 255);
  CHECK(img.at(x0 + 1, y0)[0] == 0);
  CHECK(activation_layout({7}, o).tile_w == 10);  // a flat output: cells of o.cell
}
