#include "helpers.hpp"
#include <xtensor/xview.hpp>

#include "minicnn/vision/analysis.hpp"
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
  CHECK_THROWS_WITH_AS(filters::get("sobl_x"), doctest::Contains("; did you mean 'sobel_x'?"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(filters::get("blurr"), doctest::Contains("; did you mean 'blur'?"), std::invalid_argument);  // aliases too
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
  CHECK_THROWS_WITH_AS(filters::set_handset(rgb, {"sobel_x"}), doctest::Contains("1 filter was named for its 2 output channels"),
                       std::invalid_argument);
  Conv2d tiny(1, 1, 3);
  CHECK_THROWS_WITH_AS(filters::set_handset(tiny, {"gaussian5"}), doctest::Contains("filter gaussian5 (5x5) is larger than its 3x3 kernel"),
                       std::invalid_argument);
}

TEST_CASE("One rule gives every kernel its kind: the bank's filters, and analyze's pass column, agree") {
  CHECK(filters::kind_of(filters::box_blur()) == filters::Kind::low_pass);
  CHECK(filters::kind_of(filters::sobel_x()) == filters::Kind::high_pass);
  CHECK(filters::kind_of(filters::sharpen()) == filters::Kind::mixed);  // sum 1, sum |w| 9: keeps flat areas, boosts changes
  CHECK(filters::kind_of(filters::identity()) == filters::Kind::all_pass);
  CHECK(filters::get("sharpen").kind == filters::Kind::mixed);
  CHECK(filters::get("emboss").kind == filters::Kind::mixed);
  for (const auto& f : filters::bank()) {
    CAPTURE(f.name);
    CHECK(f.kind == filters::kind_of(f.kernel));
    Tensor w = f.kernel;
    w.reshape({1, 1, f.kernel.shape(0), f.kernel.shape(1)});
    CHECK(analyze_kernels(w)[0].pass == filters::kind_name(f.kind));
  }
}

TEST_CASE("Hand-set filters: the fair scale, the colour weights, and every reason a layer is refused") {
  Conv2d conv(1, 3, 5);
  filters::set_handset(conv, {"sobel_x", "scharr_x", "gaussian5"}, {filters::HandsetScale::init, filters::HandsetColor::luma});
  const float target = 1.f / std::sqrt(3.f);  // sqrt(fan_in * b^2 / 3) with b = 1/sqrt(fan_in)
  CHECK(filters::init_kernel_norm(conv.options()) == doctest::Approx(target));
  CHECK(filters::init_kernel_dc_gain(conv.options()) == doctest::Approx(target));
  for (std::size_t o = 0; o < 2; ++o) {  // edge filters (sum 0): the norm of a random kernel
    const Tensor k = xt::view(conv.weight().value, o);
    CHECK(std::sqrt(xt::sum(k * k)()) == doctest::Approx(target));
  }
  {  // a blur: its DC gain capped at a random kernel's, so its norm ends below the target
    const Tensor k = xt::view(conv.weight().value, 2);
    CHECK(xt::sum(k)() == doctest::Approx(target));
    CHECK(std::sqrt(xt::sum(k * k)()) < 0.3 * target);
    CHECK(filters::init_scale(conv.options(), 2.0, 0.0) == doctest::Approx(target / 2));  // no sum: the norm rule
    CHECK(filters::init_scale(conv.options(), 0.5, 4.0) == doctest::Approx(target / 4));  // the cap
  }
  // The shape is the filter's: the centred Sobel, scaled.
  CHECK(conv.weight().value(0, 0, 2, 3) / conv.weight().value(0, 0, 1, 3) == doctest::Approx(2.f));
  // The empirical norm of the random initialisation is close to the rule's.
  manual_seed(3);
  Conv2d big(1, 400, 5);
  double sq = 0;
  for (const float v : big.weight().value) sq += static_cast<double>(v) * v;
  CHECK(std::sqrt(sq / 400) == doctest::Approx(target).epsilon(0.03));

  Conv2d rgb(3, 2, 3);
  filters::set_handset(rgb, {"sobel_x", "sobel_y"}, {filters::HandsetScale::raw, filters::HandsetColor::luma});
  CHECK(rgb.weight().value(0, 0, 1, 2) == doctest::Approx(2 * 0.299f));
  CHECK(rgb.weight().value(0, 1, 1, 2) == doctest::Approx(2 * 0.587f));
  CHECK(rgb.weight().value(0, 2, 1, 2) == doctest::Approx(2 * 0.114f));
  filters::set_handset(rgb, {"sobel_x", "sobel_y"}, {filters::HandsetScale::unit, filters::HandsetColor::gray});
  CHECK(rgb.weight().value(0, 0, 1, 2) == doctest::Approx(rgb.weight().value(0, 2, 1, 2)));
  CHECK(std::sqrt(xt::sum(xt::square(xt::view(rgb.weight().value, 1)))()) == doctest::Approx(1.f));

  const Conv2dOptions three(1, 2, 3);
  CHECK(filters::handset_problem(three, {"sobel_x", "sobel_y"}) == "");
  CHECK(filters::handset_problem(three, {"sobel_x", "gabor45"}) == "filter gabor45 (5x5) is larger than its 3x3 kernel");
  CHECK(filters::handset_problem(three, {"sobel_x"}) == "1 filter was named for its 2 output channels (name exactly one per channel)");
  CHECK(filters::handset_problem(three, {"sobel_x", "sobelx"}).find("unknown filter 'sobelx'") == 0);
  CHECK(filters::handset_problem(Conv2dOptions(2, 2, 3).groups(2), {"sobel_x", "sobel_y"}).find("grouped") != std::string::npos);
  CHECK(filters::handset_problem(Conv2dOptions(1, 2, 1), {"identity", "identity"}).find("at least 3x3") != std::string::npos);
  CHECK_THROWS_WITH_AS(filters::set_handset(conv, {"sobel_x"}), doctest::Contains("3 output channels"), std::invalid_argument);
  // The default list fits the kernel: only 3x3 filters for a 3x3 layer.
  for (const auto& n : filters::default_handset(16, 3)) CHECK(filters::get(n).kernel.shape(0) == 3);
  CHECK(filters::handset_problem(Conv2dOptions(1, 8, 3), filters::default_handset(8, 3)) == "");
  CHECK(filters::default_handset(6, 5) ==
        std::vector<std::string>{"sobel_x", "sobel_y", "laplacian8", "sharpen", "gaussian5", "gabor45"});
}
