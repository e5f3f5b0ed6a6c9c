#include "files.hpp"
#include "helpers.hpp"
#include "minicnn/vision/kernel_png.hpp"

using namespace minicnn;
using namespace minicnn::test;


TEST_CASE("Kernel grid of Conv2d(6 -> 16, 5x5): documented layout, labels, legend, neutral zero colour, weights untouched") {
  manual_seed(1);
  Conv2d conv(6, 16, 5);
  conv.weight().value(3, 2, 1, 1) = 0.f;
  const Tensor before = conv.weight().value;
  KernelImageOptions o;  // 16 px per tap, 1 px separators, diverging, global, legend, labels
  o.title = "layer 3: " + conv.name();
  KernelGrid g;
  const Image img = render_kernels(conv.weight().value, o, &g);
  CHECK(g.rows == 16);  // one row per output channel
  CHECK(g.cols == 6);   // one column per input channel
  CHECK(g.tile_w == 80);
  CHECK(g.tile_h == 80);
  CHECK(g.pitch_x == 81);
  CHECK(g.pitch_y == 81);
  CHECK_FALSE(g.rgb);
  CHECK(img.width >= g.grid_x + 6 * 81);
  CHECK(img.height >= g.grid_y + 16 * 81 + 2 * text_height());  // the grid, then the legend's bar and two lines
  CHECK(bit_identical(conv.weight().value, before));
  // Labels: "out r" left of every row, "in c" over every column, the title on top, text under the bar.
  for (std::size_t r = 0; r < 16; ++r) CHECK_MESSAGE(ink_in(img, 0, g.grid_y + r * 81, g.grid_x - 2, 80) > 20, "row label " << r);
  for (std::size_t c = 0; c < 6; ++c) CHECK_MESSAGE(ink_in(img, g.grid_x + c * 81, g.grid_y - text_height(), 80, text_height()) > 20, "column " << c);
  CHECK(ink_in(img, 0, 0, img.width, text_height()) > 100);
  CHECK(ink_in(img, 0, img.height - text_height(), img.width, text_height()) > 100);
  // Tap (1, 1) of kernel (out 3, in 2) is zero: drawn white, the diverging map's neutral colour.
  const std::uint8_t* p = const_cast<Image&>(img).at(g.grid_x + 2 * 81 + 16 + 8, g.grid_y + 3 * 81 + 16 + 8);
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
  // A single input channel wraps into a near-square grid, each tile captioned with its channel.
  Conv2d first(1, 6, 5);
  const Image wrapped = render_kernels(first.weight().value, o, &g);
  CHECK(g.cols == 3);
  CHECK(g.rows == 2);
  CHECK(g.pitch_y == 80 + text_height() + 1);
  for (std::size_t t = 0; t < 6; ++t)
    CHECK(ink_in(wrapped, g.grid_x + (t % 3) * g.pitch_x, g.grid_y + (t / 3) * g.pitch_y - text_height(), 40, text_height()) > 10);
}

TEST_CASE("A colour first layer draws one RGB tile per kernel: red where the red-input weight is positive") {
  Conv2d conv(3, 4, 3, 1, 1, false);
  conv.weight().value.fill(0.f);
  conv.weight().value(0, 0, 1, 1) = 1.f;   // kernel 0: +red at the centre
  conv.weight().value(1, 2, 0, 0) = -1.f;  // kernel 1: -blue at the top left
  KernelGrid g;
  const Image img = render_kernels(conv.weight().value, {}, &g);
  CHECK(g.rgb);
  CHECK(g.rows * g.cols >= 4);
  CHECK(g.rows == 2);
  const std::uint8_t* centre0 = const_cast<Image&>(img).at(g.grid_x + 16 + 8, g.grid_y + 16 + 8);
  CHECK(centre0[0] == 255);  // red full on
  CHECK(centre0[1] == 127);  // green and blue at zero: mid-grey
  CHECK(centre0[2] == 127);
  const std::uint8_t* corner1 = const_cast<Image&>(img).at(g.grid_x + g.pitch_x + 8, g.grid_y + 8);
  CHECK(corner1[0] == 127);
  CHECK(corner1[2] == 0);  // blue full off
  KernelImageOptions per;
  per.view = KernelImageOptions::View::per_channel;
  render_kernels(conv.weight().value, per, &g);
  CHECK(g.cols == 3);  // the per-channel view stays available
  CHECK_FALSE(g.rgb);
  per.view = KernelImageOptions::View::rgb;
  CHECK_THROWS_AS(render_kernels(Conv2d(2, 4, 3).weight().value, per), std::invalid_argument);
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
  CHECK(a.width >= 2 * (72 + 72));  // 4 maps of 12x12 enlarged to 72 px, each beside its kernel, in a 2x2 grid
  CHECK(a.height >= 2 * (72 + text_height()) + 2 * text_height());  // numbers over the maps, two legend lines
  CHECK(m->training());
  const auto every = save_feature_maps_png(*m, randn({1, 12, 12}, 1), dir.path.string(), "", /*all_layers=*/true);
  CHECK(every.size() == 5);  // conv, relu, maxpool, conv, relu: every layer with image-shaped output
  CHECK(every[2] == dir / "layer2_maxpool2d.png");
}

TEST_CASE("Feature maps and conv_at reach the convs inside residual blocks") {
  TempDir dir("fmaps-res");
  manual_seed(3);
  auto m = build_model("conv 4 3 pad=1, res[conv 4 3 pad=1, relu, conv 4 3 pad=1] post=relu, "
                       "res[conv 6 3 stride=2 pad=1](conv 6 1 stride=2), globalavgpool, linear 3", {1, 8, 8});
  CHECK(&conv_at(*m, "1.body.2") == find_layer(*m, "1.body.2"));
  CHECK(&conv_at(*m, "0") == &(*m)[0]);
  CHECK_THROWS_WITH_AS(conv_at(*m, "1.body.1"),
                       "1.body.1 is a ReLU, not a Conv2d (conv layers: 0, 1.body.0, 1.body.2, 2.body.0, 2.shortcut.0)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(conv_at(*m, "9"), doctest::Contains("no layer 9 (layers 0-4;"), std::invalid_argument);

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
  CHECK_THROWS_WITH_AS(save_feature_maps_png(*m, x, dir.path.string(), "4"), doctest::Contains("4 is a Linear, not a Conv2d"),
                       std::invalid_argument);
}

TEST_CASE("kernel_filmstrip puts every epoch's kernels side by side") {
  const Tensor w0 = randn({16, 1, 7, 7}, 1), w1 = randn({16, 1, 7, 7}, 2);  // frames wider than the legend
  const Image one = kernel_filmstrip({{0, w0}}, "t"), two = kernel_filmstrip({{0, w0}, {1, w1}}, "t");
  CHECK(two.width > one.width);
  CHECK(two.height == one.height);
  CHECK_THROWS_AS(kernel_filmstrip({}, ""), std::invalid_argument);
}

TEST_CASE("The filmstrip has a title, a caption per frame and a legend under the frames") {
  manual_seed(3);
  Conv2d conv(1, 6, 5);
  KernelImageOptions o;
  o.legend = o.labels = false;
  o.range = 0.5f;  // one scale for every frame
  std::vector<std::pair<std::string, Image>> frames{{"epoch 0", render_kernels(conv.weight().value, o)},
                                                    {"epoch 1", render_kernels(conv.weight().value, o)}};
  const Image legend = render_legend(0.5f, {});
  const Image strip = filmstrip(frames, "layer 0 (Conv2d(1, 6, ...)), its kernels after each epoch", legend);
  CHECK(strip.width >= 2 * frames[0].second.width);
  CHECK(strip.height >= text_height() * 2 + frames[0].second.height + legend.height);
  CHECK(filmstrip(frames).height < strip.height);  // without a title and a legend
}

TEST_CASE("A legend for RGB kernel tiles is grey, not the blue-white-red map of single-channel tiles") {
  auto has_blue = [](const Image& img) {
    for (std::size_t i = 0; i + 2 < img.pixels.size(); i += img.channels)
      if (img.pixels[i + 2] > img.pixels[i] + 60) return true;
    return false;
  };
  KernelImageOptions rgb;
  rgb.view = KernelImageOptions::View::rgb;
  CHECK(has_blue(render_legend(0.5f, {})));
  CHECK_FALSE(has_blue(render_legend(0.5f, rgb)));
}

TEST_CASE("kernel pictures label input channels so that no two labels touch, at any channel count") {
  // 16 input channels of 3x3: at 16 px a tap every column is labelled; at 4 px (13 px columns,
  // narrower than "15") every k-th. Two labels that ran into each other would read as one wide word.
  for (const std::size_t scale : {4, 16}) {
    CAPTURE(scale);
    KernelImageOptions o;
    o.scale = scale;
    o.legend = false;
    KernelGrid g;
    Image img = render_kernels(randn({2, 16, 3, 3}, 1), o, &g);
    std::vector<std::size_t> words;  // widths of the ink runs of the header, split at gaps of 4+ px
    std::size_t gap = 99;
    for (std::size_t x = g.grid_x; x < img.width; ++x) {
      bool ink = false;
      for (std::size_t y = 2; y < g.grid_y - o.border; ++y) ink = ink || img.at(x, y)[0] < 128;
      if (ink && gap >= 4) words.push_back(0);
      if (ink) words.back() += gap + 1 < 4 ? gap + 1 : 1;
      gap = ink ? 0 : gap + 1;
    }
    CHECK(words.size() >= (scale == 16 ? 16u : 4u));
    for (const std::size_t w : words) CHECK(w <= text_width("15") + 2);
  }
}
