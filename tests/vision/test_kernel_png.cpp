#include "files.hpp"
#include "helpers.hpp"
#include "minicnn/vision/kernel_png.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("Kernel grid of Conv2d(6 -> 16, 5x5): documented size, neutral zero colour, weights untouched") {
  manual_seed(1);
  Conv2d conv(6, 16, 5);
  conv.weight().value(3, 2, 1, 1) = 0.f;
  const Tensor before = conv.weight().value;
  KernelImageOptions o;  // 16 px per tap, 1 px separators, diverging, global, legend
  KernelGrid g;
  const Image img = render_kernels(conv.weight().value, o, &g);
  CHECK(g.rows == 16);  // one row per output channel
  CHECK(g.cols == 6);   // one column per input channel
  CHECK(g.tile_w == 80);
  CHECK(g.tile_h == 80);
  CHECK(img.width == 6 * 80 + 7);
  CHECK(img.height == 16 * 80 + 17 + 30);  // + the legend strip
  CHECK(bit_identical(conv.weight().value, before));
  // Tap (1, 1) of kernel (out 3, in 2) is zero: drawn white, the diverging map's neutral colour.
  const std::uint8_t* p = const_cast<Image&>(img).at(g.grid_x + 2 * (80 + 1) + 16 + 8, g.grid_y + 3 * (80 + 1) + 16 + 8);
  CHECK(p[0] == 255);
  CHECK(p[1] == 255);
  CHECK(p[2] == 255);
  std::uint8_t rgb[3];
  zero_color(KernelImageOptions::ColorMap::grayscale, rgb);
  CHECK(rgb[0] == 128);
  value_color(1.f, 1.f, KernelImageOptions::ColorMap::diverging, rgb);
  CHECK(rgb[0] > rgb[2]);  // positive: red
  value_color(-1.f, 1.f, KernelImageOptions::ColorMap::diverging, rgb);
  CHECK(rgb[2] > rgb[0]);  // negative: blue
  // A single input channel wraps into a near-square grid.
  Conv2d first(1, 6, 5);
  render_kernels(first.weight().value, o, &g);
  CHECK(g.cols == 3);
  CHECK(g.rows == 2);
}

TEST_CASE("save_feature_maps_png writes one grid per conv layer") {
  TempDir dir("fmaps");
  manual_seed(2);
  auto m = build_model("conv 4 3 pad=1, relu, maxpool 2, conv 8 3, relu, flatten, linear 10", {1, 12, 12});
  const auto files = save_feature_maps_png(*m, randn({1, 12, 12}, 1), dir.path.string());
  REQUIRE(files.size() == 2);
  CHECK(files[0] == dir / "layer0_conv.png");
  CHECK(files[1] == dir / "layer3_conv.png");
  const Image a = load_image(files[0]);
  CHECK(a.width >= 2 * 64);  // 4 maps of 12x12, enlarged to 64+ px, in a 2x2 grid
  CHECK(m->training());
}

TEST_CASE("Feature maps and conv_at reach the convs inside residual blocks") {
  TempDir dir("fmaps-res");
  manual_seed(3);
  auto m = build_model("conv 4 3 pad=1, res[conv 4 3 pad=1, relu, conv 4 3 pad=1] post=relu, "
                       "res[conv 6 3 stride=2 pad=1](conv 6 1 stride=2), globalavgpool, linear 3", {1, 8, 8});
  CHECK(&conv_at(*m, "1.body.2") == find_layer(*m, "1.body.2"));
  CHECK(&conv_at(*m, "0") == &(*m)[0]);
  CHECK_THROWS_WITH_AS(conv_at(*m, "1.body.1"),
                       "1.body.1 is not a Conv2d (conv layers: 0, 1.body.0, 1.body.2, 2.body.0, 2.shortcut.0)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(conv_at(*m, "9"), doctest::Contains("9 is not a Conv2d"), std::invalid_argument);

  const Tensor x = randn({1, 8, 8}, 4);
  const auto files = save_feature_maps_png(*m, x, dir.path.string());
  CHECK(files == std::vector<std::string>{dir / "layer0_conv.png", dir / "layer1.body.0_conv.png", dir / "layer1.body.2_conv.png",
                                          dir / "layer2.body.0_conv.png", dir / "layer2.shortcut.0_conv.png"});
  // The picture of a nested conv shows its own output: the same as running the body's first conv
  // on the stem's output.
  m->eval();
  Tensor batch = x;
  batch.reshape({1, 1, 8, 8});
  const Tensor stem = (*m)[0].forward(batch);
  const Tensor expected = find_layer(*m, "1.body.0")->forward(stem);
  m->forward(batch);
  CHECK(bit_identical(conv_at(*m, "1.body.0").output(), expected));
  const auto one = save_feature_maps_png(*m, x, dir.path.string(), "2.shortcut.0");
  CHECK(one == std::vector<std::string>{dir / "layer2.shortcut.0_conv.png"});
  CHECK(load_image(one[0]).height > 0);
  CHECK_THROWS_WITH_AS(save_feature_maps_png(*m, x, dir.path.string(), "4"), doctest::Contains("4 is not a Conv2d"),
                       std::invalid_argument);
}
