#include "helpers.hpp"
#include "minicnn/vision/analysis.hpp"
#include "minicnn/vision/filters.hpp"
#include "minicnn/core/registry.hpp"

#include <xtensor/xview.hpp>

using namespace minicnn;
using namespace minicnn::test;

namespace {
Tensor rotate_ccw(const Tensor& k) {  // counter-clockwise, by hand, independent of the library's transform
  const std::size_t n = k.shape(0);
  Tensor r = Tensor::from_shape({n, n});
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) r(n - 1 - j, i) = k(i, j);
  return r;
}
}  // namespace

TEST_CASE("A Sobel-x kernel rotated by 90 degrees is matched to Sobel-y with |cos| = 1") {
  const FilterMatch m = nearest_filter(rotate_ccw(filters::sobel_x()));
  CHECK(m.filter == "sobel_y");
  CHECK(m.transform == "");
  CHECK(m.cosine == doctest::Approx(1.f));
  CHECK(m.residual == doctest::Approx(0.f).scale(1));
  CHECK(m.negated);  // rotating sobel_x counter-clockwise gives -sobel_y
  CHECK(nearest_filter(filters::sobel_x()).label() == "sobel_x");
}

TEST_CASE("A scaled, negated Laplacian matches the Laplacian with the sign reported") {
  const FilterMatch m = nearest_filter(-0.37f * filters::laplacian8());
  CHECK(m.filter == "laplacian8");
  CHECK(m.negated);
  CHECK(m.label() == "-laplacian8");
  CHECK(m.cosine == doctest::Approx(1.f));
  CHECK(bit_identical(m.kernel, -filters::laplacian8()));
}

TEST_CASE("Matches inside a larger kernel, under a flip, and with noise") {
  Tensor k = xt::zeros<float>({5, 5});
  const Tensor p = filters::prewitt_y();
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 3; ++j) k(i + 1, j + 1) = p(i, j);
  const FilterMatch m = nearest_filter(k + 0.05f * randn({5, 5}, 4));
  CHECK(m.filter == "prewitt_y");
  CHECK(m.cosine > 0.9f);
  CHECK(m.cosine < 1.f);
  CHECK(m.residual == doctest::Approx(std::sqrt(1 - m.cosine * m.cosine)));
  const Tensor emb_flipped = xt::flip(filters::emboss(), 1);
  const FilterMatch e = nearest_filter(emb_flipped);
  CHECK(e.filter == "emboss");
  CHECK(e.cosine == doctest::Approx(1.f));
  CHECK(e.transform != "");
}

TEST_CASE("Frequency character: box blur low-pass, Laplacian high-pass, Sobel orientations") {
  KernelInfo blur, lap, sx, sy, diag;
  frequency_character(filters::box_blur(), blur);
  frequency_character(filters::laplacian8(), lap);
  frequency_character(filters::sobel_x(), sx);
  frequency_character(filters::sobel_y(), sy);
  frequency_character(filters::gabor(5, 45), diag);
  CHECK(blur.pass == "low-pass");
  CHECK(blur.dc_gain == doctest::Approx(1.f));
  CHECK(lap.pass == "high-pass");
  CHECK(lap.dc_gain == doctest::Approx(0.f).scale(1));
  CHECK(sx.orientation == "horizontal gradient (vertical edges)");
  CHECK(sy.orientation == "vertical gradient (horizontal edges)");
  CHECK(diag.orientation.rfind("diagonal", 0) == 0);
  CHECK(sx.frequency > 0.f);
  CHECK(lap.orientation == "isotropic");
  KernelInfo flat;
  frequency_character(filters::box_blur(), flat);
  CHECK(flat.orientation == "none");  // a flat kernel has no wave in it
}

TEST_CASE("Direction-free kernels get no direction: the Laplacians, sharpen and blurs, also when nearly so") {
  for (const Tensor& k : {filters::laplacian8(), filters::laplacian4(), filters::sharpen(), filters::gaussian3(), filters::gaussian5()}) {
    KernelInfo info;
    frequency_character(k, info);
    CHECK(info.orientation == "isotropic");
  }
  // A Laplacian and a Gaussian with a small directional change: decided from the filter they look like.
  Tensor w = Tensor::from_shape({2, 1, 5, 5});
  Tensor lap = xt::zeros<float>({5, 5}), g = filters::gaussian5();
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 3; ++j) lap(i + 1, j + 1) = filters::laplacian8()(i, j);
  lap(1, 1) += 2.f, lap(3, 3) -= 2.f;  // turned by 90 degrees it changes by 0.47 of its norm
  g(1, 2) += 0.01f, g(3, 2) -= 0.01f;
  xt::view(w, 0, 0) = lap;
  xt::view(w, 1, 0) = g;
  const auto ks = analyze_kernels(w);
  CHECK(ks[0].match.filter == "laplacian8");
  CHECK(ks[0].orientation == "isotropic");
  CHECK(ks[1].orientation == "isotropic");
  KernelInfo sx;
  frequency_character(filters::sobel_x(), sx);
  CHECK(sx.orientation != "isotropic");
  CHECK(kClassicalCosine == 0.6f);  // the one threshold analyze and compare print
}

TEST_CASE("analyze_kernels reports the cosine to the start, dead and duplicate kernels") {
  Tensor w = xt::zeros<float>({4, 1, 3, 3});
  xt::view(w, 0, 0) = filters::sobel_x();
  xt::view(w, 1, 0) = 2.f * filters::sobel_x();  // a duplicate of kernel 0
  xt::view(w, 2, 0) = 1e-5f * filters::sobel_y();  // dead
  xt::view(w, 3, 0) = filters::laplacian4();
  Tensor start = w;
  xt::view(start, 3, 0) = filters::sobel_y();
  const auto info = analyze_kernels(w, start);
  REQUIRE(info.size() == 4);
  CHECK(info[1].duplicate_of == 0);
  CHECK(info[0].duplicate_of == -1);
  CHECK(info[2].dead);
  CHECK_FALSE(info[0].dead);
  CHECK(info[0].cosine_to_start == doctest::Approx(1.f));
  CHECK(info[3].cosine_to_start == doctest::Approx(0.f).scale(1));  // laplacian4 is orthogonal to sobel_y
  CHECK(info[3].match.filter == "laplacian4");
  CHECK_THROWS_AS(analyze_kernels(xt::zeros<float>({3, 3})), std::invalid_argument);
}

TEST_CASE("ablate_kernels measures the accuracy lost when a channel is zeroed, and restores the model") {
  manual_seed(5);
  auto m = build_model("conv 2 3 pad=1, relu, flatten, linear 10", {1, 4, 4});
  const Dataset d = synthetic_dataset(20, 4);
  const Tensor w0 = m->parameters()[0].second->value;
  auto info = analyze_kernels(w0);
  ablate_kernels(dynamic_cast<Conv2d&>((*m)[0]), [&] { return evaluate(*m, d, {}).accuracy(); }, info);
  CHECK(bit_identical(m->parameters()[0].second->value, w0));
  for (const auto& k : info) CHECK(std::abs(k.importance) <= 1.0);
  // A made-up accuracy that falls by 0.25 whenever channel 1 is zeroed.
  auto& conv = dynamic_cast<Conv2d&>((*m)[0]);
  ablate_kernels(conv, [&] { return xt::sum(xt::abs(xt::view(conv.weight().value, 1)))() == 0.f ? 0.5 : 0.75; }, info);
  CHECK(info[0].importance == 0.0);
  CHECK(info[1].importance == 0.25);
}
