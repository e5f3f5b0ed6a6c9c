// Conv2d's algorithms (src/kernels/conv_winograd.* beside the direct im2col and implicit paths)
// against the seven-loop reference, which sums in double, on random shapes: odd sizes, padding 0,
// 1 and 2, channel counts off the SIMD widths, batches that leave a partial block. Every output
// and both gradients within 1e-4 of the largest magnitude of the reference's.
// MINICNN_ERROR_TABLE=1 prints the largest relative errors per algorithm (bench/RESULTS.md).
#include <cstdio>
#include <cstdlib>
#include <random>

#include "helpers.hpp"
#include "kernels/conv_kernels.hpp"

using namespace minicnn;
using namespace minicnn::test;

namespace {
struct UseConv {  // sets the convolution algorithm for one scope
  ConvAlgorithm old = conv_algorithm();
  explicit UseConv(ConvAlgorithm a) { set_conv_algorithm(a); }
  ~UseConv() { set_conv_algorithm(old); }
};

// max |a - b| / max |b|
double relative_error(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  double err = 0, mag = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    err = std::max(err, std::abs(static_cast<double>(a.data()[i]) - b.data()[i]));
    mag = std::max(mag, std::abs(static_cast<double>(b.data()[i])));
  }
  return mag > 0 ? err / mag : err;
}

struct Case {
  Conv2dOptions o;
  Shape x;
};

// Random stride-1 3x3 layers: sides 1..19 (odd and even; a side below 3 - 2*pad is raised to fit),
// padding 0/1/2 per axis, 1..40 channels each way, batches 1..9 (tails of the 4-image blocks).
std::vector<Case> random_cases(unsigned seed, int n) {
  std::mt19937 gen(seed);
  auto in = [&](int lo, int hi) { return static_cast<std::size_t>(std::uniform_int_distribution<int>(lo, hi)(gen)); };
  std::vector<Case> cases;
  for (int i = 0; i < n; ++i) {
    const std::size_t C = in(1, 40), OC = in(1, 40), ph = in(0, 2), pw = in(0, 2);
    const std::size_t H = std::max(in(1, 19), ph >= 1 ? 1 : 3 - 2 * ph), W = std::max(in(1, 19), pw >= 1 ? 1 : 3 - 2 * pw);
    cases.push_back({Conv2dOptions(C, OC, 3).padding(Size2(ph, pw)).bias(in(0, 1) == 1), {in(1, 9), C, H, W}});
  }
  // The layers of convnet-rgb and resnet-mini, smaller batches.
  cases.push_back({Conv2dOptions(32, 32, 3).padding(1), {3, 32, 32, 32}});
  cases.push_back({Conv2dOptions(64, 64, 3).padding(1), {2, 64, 16, 16}});
  cases.push_back({Conv2dOptions(16, 16, 3).padding(1).bias(false), {5, 16, 32, 32}});
  cases.push_back({Conv2dOptions(64, 64, 3).padding(1).bias(false), {3, 64, 8, 8}});
  return cases;
}

struct Errors {
  double y = 0, dx = 0, dw = 0, db = 0;
};
}  // namespace

TEST_CASE("Conv2d on every algorithm and kernel path matches the double-precision reference within 1e-4 of the largest magnitude") {
  manual_seed(29);
  const std::vector<Case> cases = random_cases(29, 40);
  const ConvAlgorithm algorithms[] = {ConvAlgorithm::direct, ConvAlgorithm::winograd, ConvAlgorithm::automatic};
  const std::vector<KernelPath> paths = fast_paths();
  std::vector<Errors> worst(std::size(algorithms) * paths.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    Conv2d conv(c.o);
    const Tensor x = randn(c.x, 100 + i);
    const Tensor* bias = c.o.bias() ? &conv.bias().value : nullptr;
    const Tensor ry = conv2d_reference_forward(x, conv.weight().value, bias, c.o);
    const Tensor dy = randn(shape_of(ry), 200 + i);
    Tensor rdx, rdw, rdb;
    conv2d_reference_backward(x, conv.weight().value, dy, c.o, &rdx, &rdw, bias ? &rdb : nullptr);
    for (std::size_t a = 0; a < std::size(algorithms); ++a)
      for (std::size_t p = 0; p < paths.size(); ++p) {
        UseConv use_conv(algorithms[a]);
        UsePath use(paths[p]);
        CAPTURE(conv_algorithm_name(algorithms[a]));
        CAPTURE(kernel_path_name(paths[p]));
        CAPTURE(c.o.in_channels());
        CAPTURE(c.o.out_channels());
        CAPTURE(shape_str(c.x));
        CAPTURE(c.o.padding().h);
        CAPTURE(c.o.padding().w);
        Errors e;
        e.y = relative_error(conv.forward(x), ry);
        e.dx = relative_error(conv.backward(dy), rdx);
        e.dw = relative_error(conv.weight().grad, rdw);
        if (bias) e.db = relative_error(conv.bias().grad, rdb);
        CHECK(e.y <= 1e-4);
        CHECK(e.dx <= 1e-4);
        CHECK(e.dw <= 1e-4);
        CHECK(e.db <= 1e-4);
        Errors& w = worst[a * paths.size() + p];
        w = {std::max(w.y, e.y), std::max(w.dx, e.dx), std::max(w.dw, e.dw), std::max(w.db, e.db)};
      }
  }
  if (std::getenv("MINICNN_ERROR_TABLE"))
    for (std::size_t a = 0; a < std::size(algorithms); ++a)
      for (std::size_t p = 0; p < paths.size(); ++p) {
        const Errors& w = worst[a * paths.size() + p];
        std::printf("| %s | %s | %.1e | %.1e | %.1e | %.1e |\n", conv_algorithm_name(algorithms[a]),
                    kernel_path_name(paths[p]), w.y, w.dx, w.dw, w.db);
      }
}

TEST_CASE("MINICNN_CONV chooses the algorithm: winograd takes every stride-1 3x3 layer, auto the forward of those with 64+ channels") {
  auto algorithm = [](const Conv2dOptions& o, const Shape& x) {
    Conv2d conv(o);
    conv.forward(randn(x, 1));
    return conv.algorithm();
  };
  const Conv2dOptions rgb_stem = Conv2dOptions(3, 32, 3).padding(1), wide = Conv2dOptions(64, 64, 3).padding(1);
  const Conv2dOptions narrow = Conv2dOptions(32, 64, 3).padding(1);
  const Conv2dOptions strided = Conv2dOptions(16, 32, 3).stride(2).padding(1), one = Conv2dOptions(16, 32, 1);
  const Conv2dOptions dilated = Conv2dOptions(16, 16, 3).dilation(2), grouped = Conv2dOptions(16, 16, 3).groups(2);
  const Conv2dOptions far = Conv2dOptions(16, 16, 3).padding(3);
  UsePath use(best_kernel_path());
  {
    UseConv conv(ConvAlgorithm::automatic);
    CHECK(algorithm(rgb_stem, {1, 3, 8, 8}) == "implicit");
    CHECK(algorithm(wide, {1, 64, 8, 8}) == "winograd");
    CHECK(algorithm(narrow, {1, 32, 8, 8}) == "implicit");
    CHECK(algorithm(strided, {1, 16, 8, 8}) == "im2col");
    CHECK(algorithm(one, {1, 16, 8, 8}) == "implicit");
  }
  {
    UseConv conv(ConvAlgorithm::winograd);
    CHECK(algorithm(rgb_stem, {1, 3, 8, 8}) == "winograd");
    CHECK(algorithm(strided, {1, 16, 8, 8}) == "im2col");
    CHECK(algorithm(dilated, {1, 16, 8, 8}) == "im2col");
    CHECK(algorithm(grouped, {1, 16, 8, 8}) == "im2col");
    CHECK(algorithm(far, {1, 16, 8, 8}) == "im2col");
  }
  {
    UseConv conv(ConvAlgorithm::direct);
    CHECK(algorithm(wide, {1, 64, 8, 8}) == "implicit");
  }
  {
    UsePath reference(KernelPath::reference);
    CHECK(algorithm(wide, {1, 64, 8, 8}) == "reference");
  }
  CHECK(parse_conv_algorithm("auto") == ConvAlgorithm::automatic);
  CHECK(parse_conv_algorithm("direct") == ConvAlgorithm::direct);
  CHECK_THROWS_WITH(parse_conv_algorithm("wino"),
                    "unknown convolution algorithm 'wino' (expected direct, winograd or auto)");
}

TEST_CASE("Winograd gives the same bytes on 1 and 2 threads, and on repeats") {
  manual_seed(7);
  UseConv use_conv(ConvAlgorithm::winograd);
  UsePath use(best_kernel_path());
  Conv2d conv(Conv2dOptions(17, 19, 3).padding(1));
  const Tensor x = randn({11, 17, 9, 7}, 2), dy = randn({11, 19, 9, 7}, 3);
  auto run = [&](int threads) {
    set_num_threads(threads);
    const Tensor y = conv.forward(x);
    const Tensor dx = conv.backward(dy);
    return std::vector<Tensor>{y, dx, conv.weight().grad, conv.bias().grad};
  };
  const auto one = run(1), two = run(2), two_again = run(2);
  set_num_threads(1);
  CHECK(conv.algorithm() == "winograd");
  for (std::size_t i = 0; i < one.size(); ++i) {
    CHECK(bit_identical(one[i], two[i]));
    CHECK(bit_identical(two[i], two_again[i]));
  }
}

TEST_CASE("Conv2d backward matches finite differences with Winograd forced") {
  manual_seed(31);
  UseConv use_conv(ConvAlgorithm::winograd);
  for (const auto& [o, shape] : std::vector<std::pair<Conv2dOptions, Shape>>{
           {Conv2dOptions(2, 3, 3).padding(1), {2, 2, 5, 5}},
           {Conv2dOptions(3, 2, 3), {1, 3, 6, 5}},
           {Conv2dOptions(2, 2, 3).padding({2, 0}).bias(false), {2, 2, 3, 4}},
           {Conv2dOptions(5, 4, 3).padding(1), {5, 5, 3, 3}}}) {
    Conv2d conv(o);
    const Tensor x = randn(shape, 3);
    conv.forward(x);
    REQUIRE(conv.algorithm() == "winograd");
    CAPTURE(shape_str(shape));
    CHECK_GRADIENTS(conv, x);
  }
}
