#include "files.hpp"
#include "helpers.hpp"
#include "minicnn/vision/filter_image.hpp"
#include "minicnn/vision/kernel_png.hpp"
#include "minicnn/core/registry.hpp"

#include <xtensor/xview.hpp>

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("The blur output on the cat photo equals an independent 3x3 box filter, pixel for pixel") {
  // The 8-bit grayscale image, as `minicnn filters apply` filters it (and writes it as original.png).
  const Tensor gray = xt::round(to_grayscale(load_image(std::string(MINICNN_SOURCE_DIR) + "/data/chelsea.png")));
  REQUIRE(gray.shape() == Tensor::shape_type{300, 451});
  const Tensor blurred = map_to_pixels(xt::view(apply_filters(gray, {"blur"}), 0), default_mapping(filters::Kind::low_pass));
  const long H = 300, W = 451;
  std::size_t differ = 0;
  for (long i = 0; i < H; ++i)
    for (long j = 0; j < W; ++j) {
      double s = 0;  // zero padding: pixels outside the image count as 0
      for (long di = -1; di <= 1; ++di)
        for (long dj = -1; dj <= 1; ++dj)
          if (i + di >= 0 && i + di < H && j + dj >= 0 && j + dj < W) s += gray(i + di, j + dj);
      const double expected = std::round(std::clamp(s / 9.0, 0.0, 255.0));  // the documented clip mapping
      differ += std::abs(blurred(i, j) - expected) > 0 ? 1 : 0;
    }
  // Sums of nine whole numbers divided by 9 never fall near .5 (the nearest is 4/9 or 5/9 away by
  // 1/18), so the float convolution and this double reference must round identically.
  CHECK(differ == 0);
}

TEST_CASE("A kernel written as values: rows, values, fractions, and each mistake named") {
  const Tensor blur = parse_kernel("1/9,1/9,1/9; 1/9,1/9,1/9; 1/9,1/9,1/9");
  REQUIRE(blur.shape() == Tensor::shape_type{3, 3});
  CHECK(blur(2, 1) == doctest::Approx(1.0 / 9.0));
  CHECK(parse_kernel("0,-1,0;-1,5,-1;0,-1,0") == filters::sharpen());
  CHECK(parse_kernel("1,2,-3.5,1e-1;-1/4,0,1,2")(1, 0) == -0.25f);  // a 2x4 rectangle
  CHECK(parse_kernel("7").shape() == Tensor::shape_type{1, 1});
  CHECK(parse_kernel("7")(0, 0) == 7.f);
  CHECK_THROWS_WITH_AS(parse_kernel("1,2,3;4,5"), "row 2 has 2 values, row 1 has 3 (rows are separated by ';', values by ',')",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_kernel("1,x"), "'x' in row 1 is not a number or a fraction such as 1/9", std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_kernel("1/0"), "'1/0' in row 1 is not a number or a fraction such as 1/9", std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_kernel("1,;1,1"), "row 1 has an empty value", std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_kernel(" "), doctest::Contains("no values"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_kernel("nan"), doctest::Contains("is not a number"), std::invalid_argument);
  std::string row = "1", rows;
  for (int i = 0; i < 15; ++i) row += ",1";
  for (int i = 0; i < 2; ++i) rows += (rows.empty() ? "" : ";") + row;
  CHECK_THROWS_WITH_AS(parse_kernel(rows), "the kernel is 2x16, larger than 15x15", std::invalid_argument);
  CHECK(same_padding(3) == 1);
  CHECK(same_padding(4) == 1);  // an even kernel: one pixel smaller
  CHECK(same_padding(15) == 7);
}

TEST_CASE("apply_kernel is the cross-correlation with zero padding and a stride, per channel") {
  // planes (2, 4, 5): channel c holds 10 c + 5 i + j; the kernel [[1, 2], [3, 4]]; padding 1, stride 2.
  Tensor x = Tensor::from_shape({2, 4, 5});
  for (std::size_t c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < 4; ++i)
      for (std::size_t j = 0; j < 5; ++j) x(c, i, j) = static_cast<float>(10 * c + 5 * i + j);
  const Tensor k{{1.f, 2.f}, {3.f, 4.f}};
  const Tensor y = apply_kernel(x, k, 2, Size2(1));
  REQUIRE(y.shape() == Tensor::shape_type{2, 3, 3});  // (4 + 2 - 2) / 2 + 1, (5 + 2 - 2) / 2 + 1
  for (std::size_t c = 0; c < 2; ++c)
    for (std::size_t oi = 0; oi < 3; ++oi)
      for (std::size_t oj = 0; oj < 3; ++oj) {
        double s = 0;
        for (long a = 0; a < 2; ++a)
          for (long b = 0; b < 2; ++b) {
            const long i = static_cast<long>(oi) * 2 - 1 + a, j = static_cast<long>(oj) * 2 - 1 + b;
            if (i >= 0 && i < 4 && j >= 0 && j < 5) s += k(a, b) * x(c, i, j);
          }
        CHECK(y(c, oi, oj) == doctest::Approx(s));
      }
  CHECK_THROWS_WITH_AS(apply_kernel(x, xt::ones<float>({5, 5}), 1, Size2(0)),
                       "the kernel (5x5) is larger than the image (4x5) with padding 0", std::invalid_argument);
  // image_planes: pixel / 255, channels first.
  Image img(2, 1, 3);
  for (std::size_t i = 0; i < 6; ++i) img.pixels[i] = static_cast<std::uint8_t>(51 * (i % 6));
  const Tensor p = image_planes(img);
  REQUIRE(p.shape() == Tensor::shape_type{3, 1, 2});
  CHECK(p(0, 0, 1) == doctest::Approx(153.0 / 255.0));  // red of the second pixel
  CHECK(p(2, 0, 0) == doctest::Approx(102.0 / 255.0));
  CHECK(response_image(Tensor{{{0.5f, -1.f}}}, Mapping::clip).pixels == std::vector<std::uint8_t>{128, 0});
}

TEST_CASE("Output mappings") {
  const Tensor r{{-10.f, 0.f, 100.f, 300.f}};
  CHECK(map_to_pixels(r, Mapping::clip) == Tensor{{0.f, 0.f, 100.f, 255.f}});
  CHECK(map_to_pixels(r, Mapping::minmax) == Tensor{{0.f, 8.f, 90.f, 255.f}});  // 255 * (v + 10) / 310
  Tensor edges = xt::zeros<float>({1, 1000});
  for (std::size_t i = 0; i < 1000; ++i) edges(0, i) = static_cast<float>(i);
  edges(0, 999) = 1e6f;  // one extreme value (a padded border) saturates instead of darkening the rest
  const Tensor a = map_to_pixels(edges, Mapping::abs);
  CHECK(a(0, 999) == 255.f);
  CHECK(a(0, 995) == 255.f);
  CHECK(a(0, 497) == doctest::Approx(127.f).epsilon(0.01));
  CHECK(parse_mapping("abs") == Mapping::abs);
  CHECK_THROWS_WITH_AS(parse_mapping("log"), "unknown output mapping 'log' (expected clip, abs or minmax)", std::invalid_argument);
  CHECK(default_mapping(filters::Kind::high_pass) == Mapping::abs);
  CHECK(default_mapping(filters::Kind::low_pass) == Mapping::clip);
}


TEST_CASE("A montage labels every panel, draws each kernel beside its name, and explains the mapping under the panels") {
  const Image a(40, 30, 1, 255), b(40, 30, 3, 255);
  const Image plain = montage({{"original", a}, {"sobel_x\nhigh-pass, abs", b}});
  const Image with = montage({{"original", a}, {"sobel_x\nhigh-pass, abs", b, kernel_card(filters::sobel_x())}},
                             "abs: |response|, scaled\nclip: clamped");
  CHECK(with.width > plain.width);                           // the kernel card takes room beside the label
  CHECK(with.height >= plain.height + 2 * text_height());    // two footnote lines
  CHECK(ink_in(with, 0, 0, with.width, text_height()) > 50);   // labels on top
  CHECK(ink_in(with, 0, with.height - text_height() - 4, with.width, text_height()) > 50);  // footnote at the bottom
  const Image card = kernel_card(filters::sobel_x());
  CHECK(card.width >= 3 * text_width("-2"));  // numbers at a legible size fit in the cells
  CHECK(card.width == card.height);
}

TEST_CASE("A feature-map grid numbers every map and says how it was scaled") {
  const Tensor maps = randn({4, 6, 6}, 2);
  const Image img = render_feature_maps(maps, "layer 0: Conv2d", 60);
  CHECK(img.width >= 2 * 60);
  CHECK(ink_in(img, 0, 0, img.width, text_height()) > 30);                    // the title
  CHECK(ink_in(img, 0, img.height - text_height() - 2, img.width, text_height()) > 30);  // the legend
}
