#include "helpers.hpp"
#include "minicnn/vision/filters.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("Every bank filter has pinned values, and its kind matches its weights") {
  CHECK(filters::sobel_x() == Tensor{{-1.f, 0.f, 1.f}, {-2.f, 0.f, 2.f}, {-1.f, 0.f, 1.f}});
  CHECK(filters::sobel_y() == Tensor{{-1.f, -2.f, -1.f}, {0.f, 0.f, 0.f}, {1.f, 2.f, 1.f}});
  CHECK(filters::prewitt_x() == Tensor{{-1.f, 0.f, 1.f}, {-1.f, 0.f, 1.f}, {-1.f, 0.f, 1.f}});
  CHECK(filters::prewitt_y() == Tensor{{-1.f, -1.f, -1.f}, {0.f, 0.f, 0.f}, {1.f, 1.f, 1.f}});
  CHECK(filters::scharr_x() == Tensor{{-3.f, 0.f, 3.f}, {-10.f, 0.f, 10.f}, {-3.f, 0.f, 3.f}});
  CHECK(filters::scharr_y() == Tensor{{-3.f, -10.f, -3.f}, {0.f, 0.f, 0.f}, {3.f, 10.f, 3.f}});
  CHECK(filters::laplacian8() == Tensor{{-1.f, -1.f, -1.f}, {-1.f, 8.f, -1.f}, {-1.f, -1.f, -1.f}});
  CHECK(filters::laplacian4() == Tensor{{0.f, -1.f, 0.f}, {-1.f, 4.f, -1.f}, {0.f, -1.f, 0.f}});
  CHECK(filters::sharpen() == Tensor{{0.f, -1.f, 0.f}, {-1.f, 5.f, -1.f}, {0.f, -1.f, 0.f}});
  CHECK(filters::emboss() == Tensor{{-2.f, -1.f, 0.f}, {-1.f, 1.f, 1.f}, {0.f, 1.f, 2.f}});
  CHECK(filters::identity() == Tensor{{0.f, 0.f, 0.f}, {0.f, 1.f, 0.f}, {0.f, 0.f, 0.f}});
  CHECK(filters::box_blur()(0, 0) == doctest::Approx(1.f / 9));
  CHECK(filters::gaussian3() == Tensor{{1.f, 2.f, 1.f}, {2.f, 4.f, 2.f}, {1.f, 2.f, 1.f}} / 16.f);
  CHECK(filters::gaussian5()(2, 2) == doctest::Approx(36.f / 256));
  CHECK(filters::gaussian5()(0, 0) == doctest::Approx(1.f / 256));
  for (const auto& f : filters::bank()) {
    CAPTURE(f.name);
    const float sum = xt::sum(f.kernel)();
    CHECK(f.kernel.dimension() == 2);
    CHECK(f.kernel.shape(0) % 2 == 1);
    CHECK_FALSE(f.description.empty());
    if (f.kind == filters::Kind::low_pass) {
      CHECK(sum == doctest::Approx(1.f));
      CHECK(xt::amin(f.kernel)() >= 0.f);
    } else if (f.kind == filters::Kind::high_pass) {
      CHECK(sum == doctest::Approx(0.f).epsilon(1e-5).scale(1));
    } else {
      CHECK(sum == doctest::Approx(1.f));  // identity, sharpen, emboss keep flat areas as they are
    }
  }
  CHECK(filters::bank().size() == 18);
}

TEST_CASE("Sobel-x and Scharr-x respond to a vertical edge, the y versions to a horizontal one") {
  Tensor vertical = xt::zeros<float>({1, 1, 7, 7}), horizontal = xt::zeros<float>({1, 1, 7, 7});
  for (std::size_t i = 0; i < 7; ++i)
    for (std::size_t j = 4; j < 7; ++j) vertical(0, 0, i, j) = 1.f, horizontal(0, 0, j, i) = 1.f;  // bright right / below
  auto conv = filters::make_conv({"sobel_x", "sobel_y", "scharr_x", "scharr_y"});
  const Tensor v = conv->forward(vertical);
  CHECK(v(0, 0, 3, 3) == 4.f);   // sobel_x: positive where it gets brighter to the right
  CHECK(v(0, 1, 3, 3) == 0.f);   // sobel_y: no response to a vertical edge away from the border
  CHECK(v(0, 2, 3, 3) == 16.f);  // scharr_x
  CHECK(v(0, 3, 3, 3) == 0.f);
  const Tensor h = conv->forward(horizontal);
  CHECK(h(0, 0, 3, 3) == 0.f);
  CHECK(h(0, 1, 3, 3) == 4.f);   // sobel_y: brighter below
  CHECK(h(0, 3, 3, 3) == 16.f);
}

TEST_CASE("Gabor kernels are zero-mean, unit-norm and oriented") {
  const Tensor g0 = filters::gabor(5, 0), g90 = filters::gabor(5, 90);
  CHECK(xt::sum(g0)() == doctest::Approx(0.f).scale(1));
  CHECK(xt::sum(g0 * g0)() == doctest::Approx(1.f));
  // theta 0: the wave runs along x, so every column is constant in sign; theta 90 is its transpose.
  for (std::size_t i = 0; i < 5; ++i)
    for (std::size_t j = 0; j < 5; ++j) CHECK(g90(i, j) == doctest::Approx(g0(j, i)).epsilon(1e-4));
  CHECK(g0(0, 2) > 0);  // the centre column is the wave's crest
  CHECK(g0(2, 0) < g0(2, 2));
  CHECK_THROWS_WITH_AS(filters::gabor(4, 0), "filters::gabor: size must be odd and 1..63, got 4", std::invalid_argument);
  CHECK(filters::get("gabor30").name == "gabor30");
}

TEST_CASE("Filter names, aliases and the Conv2d helper") {
  CHECK(filters::get("edge").name == "laplacian8");
  CHECK(filters::get("blur").name == "box_blur");
  CHECK(filters::get("gaussian").name == "gaussian3");
  CHECK_THROWS_WITH_AS(filters::get("edgy"), doctest::Contains("unknown filter 'edgy' (known: identity, box_blur"), std::invalid_argument);
  auto conv = filters::make_conv({"gaussian5", "sobel_x"}, /*frozen=*/true);
  CHECK(conv->name() == "Conv2d(1, 2, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2), bias=False)");
  CHECK(conv->weight().frozen);
  CHECK(conv->weight().value(1, 0, 0, 0) == 0.f);   // the 3x3 Sobel sits centred in the 5x5
  CHECK(conv->weight().value(1, 0, 1, 1) == -1.f);
  CHECK(conv->weight().value(1, 0, 2, 3) == 2.f);
  CHECK_FALSE(filters::make_conv({"sobel_x"}, false)->weight().frozen);
  CHECK_THROWS_AS(filters::make_conv({}), std::invalid_argument);
}

TEST_CASE("set_handset fills a first layer with classical filters that stay bit-identical when frozen") {
  manual_seed(3);
  Sequential m;
  Conv2d& conv = m.add<Conv2d>(1, 6, 5, 1, 2);
  m.add<ReLU>();
  m.add<Flatten>();
  m.add<Linear>(6 * 8 * 8, 3);
  const auto names = filters::default_handset(6, 5);
  CHECK(names == std::vector<std::string>{"sobel_x", "sobel_y", "laplacian8", "sharpen", "gaussian5", "gabor45"});
  filters::set_handset(conv, names);
  conv.weight().frozen = conv.bias().frozen = true;
  const Tensor start = conv.weight().value;
  CHECK(bit_identical(start, filters::make_conv(names)->weight().value));
  CHECK(conv.weight().value(0, 0, 2, 3) == 2.f);  // sobel_x centred in 5x5
  CHECK(xt::sum(xt::abs(conv.bias().value))() == 0.f);
  SGD opt(m.parameters(), 0.1f, 0.9f);
  SoftmaxCrossEntropy loss;
  for (int step = 0; step < 5; ++step) {
    loss.forward(m.forward(randn({4, 1, 8, 8}, step)), {0, 1, 2, 0});
    m.backward(loss.backward());
    opt.step();
  }
  CHECK(bit_identical(conv.weight().value, start));
  Conv2d rgb(3, 2, 3);
  filters::set_handset(rgb, {"sobel_x", "blur"});
  CHECK(rgb.weight().value(0, 2, 1, 2) == doctest::Approx(2.f / 3));  // spread over 3 input channels
  CHECK_THROWS_WITH_AS(filters::set_handset(rgb, {"sobel_x"}), doctest::Contains("has 2 output channels but 1 filters"),
                       std::invalid_argument);
  Conv2d tiny(1, 1, 3);
  CHECK_THROWS_WITH_AS(filters::set_handset(tiny, {"gaussian5"}), doctest::Contains("filter gaussian5 (5x5) does not fit"),
                       std::invalid_argument);
}
