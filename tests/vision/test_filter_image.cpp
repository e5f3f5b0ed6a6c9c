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
