#include "files.hpp"
#include "helpers.hpp"
#include "minicnn/data/digit.hpp"
#include "minicnn/io/image_io.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("Grayscale conversion is ITU-R BT.601 luma") {
  Image rgb(4, 1, 3);
  const std::uint8_t px[] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30};
  std::copy(px, px + 12, rgb.pixels.begin());
  const Tensor g = to_grayscale(rgb);
  CHECK(g(0, 0) == doctest::Approx(0.299f * 255));
  CHECK(g(0, 1) == doctest::Approx(0.587f * 255));
  CHECK(g(0, 2) == doctest::Approx(0.114f * 255));
  CHECK(g(0, 3) == doctest::Approx(0.299f * 10 + 0.587f * 20 + 0.114f * 30));
  Image rgba(2, 1, 4);
  const std::uint8_t pa[] = {0, 0, 0, 0, 0, 0, 0, 255};  // transparent black shows white; opaque black, black
  std::copy(pa, pa + 8, rgba.pixels.begin());
  const Tensor ga = to_grayscale(rgba);
  CHECK(ga(0, 0) == doctest::Approx(255.f));
  CHECK(ga(0, 1) == doctest::Approx(0.f));
}

TEST_CASE("PNG round-trips exactly, gray and RGB") {
  TempDir dir("png");
  Image gray(5, 3, 1), rgb(4, 2, 3);
  for (std::size_t i = 0; i < gray.pixels.size(); ++i) gray.pixels[i] = static_cast<std::uint8_t>(i * 17);
  for (std::size_t i = 0; i < rgb.pixels.size(); ++i) rgb.pixels[i] = static_cast<std::uint8_t>(255 - i * 9);
  save_png(dir / "g.png", gray);
  save_png(dir / "c.png", rgb);
  const Image g2 = load_image(dir / "g.png"), c2 = load_image(dir / "c.png");
  CHECK(g2.width == 5);
  CHECK(g2.height == 3);
  CHECK(g2.channels == 1);
  CHECK(g2.pixels == gray.pixels);
  CHECK(c2.channels == 3);
  CHECK(c2.pixels == rgb.pixels);
  CHECK_THROWS_AS(save_png(dir / "empty.png", Image()), std::invalid_argument);
}

TEST_CASE("Bad images give errors naming the file") {
  TempDir dir("badimg");
  CHECK_THROWS_WITH_AS(load_image(dir / "missing.png"), contains(dir / "missing.png: cannot open: No such file"), std::runtime_error);
  write_bytes(dir / "empty.png", {});
  CHECK_THROWS_WITH_AS(load_image(dir / "empty.png"), contains(dir / "empty.png: is empty (0 bytes); expected an image"),
                       std::runtime_error);
  write_bytes(dir / "text.png", {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'});
  CHECK_THROWS_WITH_AS(load_image(dir / "text.png"), contains(dir / "text.png: not a readable image ("), std::runtime_error);
  // A well-formed PNG signature and IHDR that declares 0x0 pixels.
  Bytes zero{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0};
  const std::uint32_t crc = static_cast<std::uint32_t>(crc32(0, zero.data() + 12, 17));
  for (int s = 24; s >= 0; s -= 8) zero.push_back(static_cast<std::uint8_t>(crc >> s));
  write_bytes(dir / "zero.png", zero);
  CHECK_THROWS_WITH_AS(load_image(dir / "zero.png"), contains(dir / "zero.png: not a readable image ("), std::runtime_error);
  CHECK_THROWS_WITH_AS(load_image(dir.path.string()), contains(dir.path.string() + ": is not a regular file; expected an image"), std::runtime_error);
}

TEST_CASE("resize keeps a flat image flat and changes the size") {
  const Tensor flat = xt::ones<float>({10, 20}) * 100.f;
  const Tensor r = resize(flat, 5, 7);
  CHECK(r.shape() == Tensor::shape_type{5, 7});
  CHECK(xt::amax(xt::abs(r - 100.f))() < 1e-3f);
  CHECK_THROWS_AS(resize(flat, 0, 3), std::invalid_argument);
}

TEST_CASE("enlarged: a whole factor to at least the asked size, each pixel a square") {
  Image img(3, 2, 1);
  for (std::size_t i = 0; i < 6; ++i) img.pixels[i] = static_cast<std::uint8_t>(10 * i);
  CHECK(enlarge_factor(img, 256) == 86);  // ceil(256 / 3)
  CHECK(enlarge_factor(img, 2) == 1);     // already large enough
  Image big = enlarged(img, 7);           // factor 3: 9x6
  REQUIRE(big.width == 9);
  REQUIRE(big.height == 6);
  CHECK(*big.at(0, 0) == 0);
  CHECK(*big.at(2, 2) == 0);
  CHECK(*big.at(3, 0) == 10);
  CHECK(*big.at(8, 5) == 50);  // the last pixel of the second row
}

TEST_CASE("draw_text: '|' is not drawn as 'l' (it reaches below the line), and its place in the text is kept") {
  const std::uint8_t black[3] = {0, 0, 0};
  const auto drawn = [&](const std::string& text) {
    Image img(40, 30, 1);
    std::fill(img.pixels.begin(), img.pixels.end(), std::uint8_t{255});
    draw_text(img, 0, 0, text, black, 1);
    return img;
  };
  const auto ink_rows = [](Image img, std::size_t x) {
    std::size_t last = 0;
    for (std::size_t y = 0; y < img.height; ++y)
      if (*img.at(x, y) == 0) last = y + 1;
    return last;
  };
  Image bar = drawn("|"), ell = drawn("l");
  CHECK(ink_rows(ell, 0) == 7);
  CHECK(ink_rows(bar, 0) == 9);  // rows 7 and 8: below the baseline, where 'l' has no ink
  CHECK(bar.pixels != ell.pixels);
  Image text = drawn("ab|c");  // the bar after "ab", at the width of "ab"
  CHECK(ink_rows(text, text_width("ab", 1)) == 9);
  CHECK(*drawn("l|").at(0, 8) == 255);
}
