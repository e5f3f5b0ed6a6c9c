#include "helpers.hpp"

using namespace minicnn;
using namespace minicnn::test;

namespace {
// Short positional form for the table below; everything else uses the chained setters.
Conv2dOptions opts(std::size_t in, std::size_t out, Size2 k, Size2 s = 1, Size2 p = 0, Size2 d = 1,
                   std::size_t groups = 1, bool bias = true) {
  return Conv2dOptions(in, out, k).stride(s).padding(p).dilation(d).groups(groups).bias(bias);
}

// Configurations covering stride, padding, rectangular kernels and inputs, dilation, groups, no bias.
const std::vector<std::pair<Conv2dOptions, Shape>> kConfigs = {
    {opts(1, 6, 5, 1, 2), {3, 1, 12, 12}},        // lenet5's first layer, smaller image
    {opts(2, 3, 3, 1, 1), {2, 2, 5, 5}},
    {opts(3, 4, 3, 2, 1), {2, 3, 7, 9}},          // stride 2, non-square input
    {opts(2, 2, {3, 2}, {2, 1}, {2, 0}), {2, 2, 6, 5}},  // rectangular kernel, stride and padding
    {opts(2, 3, 3, 1, 2, 2), {1, 2, 7, 6}},       // dilation 2, padding 2
    {opts(4, 4, 3, 1, 1, 1, 4), {2, 4, 5, 5}},    // depthwise (groups == channels)
    {opts(4, 6, 1, 1, 0, 1, 2, false), {2, 4, 3, 4}},  // 1x1, two groups, no bias
    {opts(1, 2, 4, 3, 0), {2, 1, 11, 10}},        // stride 3 leaves columns unused
    {opts(1, 2, 3, 1, 4), {2, 1, 3, 4}},          // padding wider than the kernel: all-zero taps
    {opts(2, 3, 1, 2, 3), {2, 2, 5, 5}},          // the padded image outgrows the columns: no copy
    {opts(4, 32, 3, 1, 1, 1, 2), {2, 4, 5, 5}},   // 16 outputs per group: dW from a copy of dy^T
    {opts(2, 3, 3), {2, 2, 6, 5}},                // no padding: the implicit dx by col2im
    {opts(3, 5, {2, 3}, 1, {0, 1}), {2, 3, 5, 6}},  // col2im with a rectangular kernel and padding
};

// More shapes for comparing the kernel paths with the reference (too large for the gradient
// check): the implicit algorithm (stride 1, dilation 1, one group, padding < kernel) and the
// kernels' tails: odd sizes, 17 outputs (one past a 16-wide register), C*K*K past a 256 block.
const std::vector<std::pair<Conv2dOptions, Shape>> kLargerConfigs = {
    {opts(3, 17, 3, 1, 1), {3, 3, 9, 11}},
    {opts(2, 7, {3, 5}, 1, {1, 2}), {2, 2, 7, 13}},  // rectangular kernel and padding
    {opts(5, 9, 2, 1, 1), {2, 5, 6, 5}},           // even kernel: OH = H + 1
    {opts(3, 4, 1), {2, 3, 5, 7}},                 // 1x1
    {opts(32, 20, 3, 1, 1), {2, 32, 6, 7}},        // C*K*K = 288
    {opts(1, 6, 5, 1, 2), {5, 1, 28, 28}},         // lenet5's first layer, full size, odd batch
    {opts(6, 16, 5), {3, 6, 14, 14}},              // lenet5's second layer
    // resnet-mini-gray's stride-2 stages: 3x3 and the 1x1 projection, no bias, odd output side 7
    {opts(16, 32, 3, 2, 1, 1, 1, false), {2, 16, 28, 28}},
    {opts(32, 64, 3, 2, 1, 1, 1, false), {3, 32, 14, 14}},
    {opts(32, 64, 1, 2, 0, 1, 1, false), {2, 32, 14, 14}},
    {opts(64, 64, 3, 1, 1, 1, 1, false), {2, 64, 7, 7}},
};

}  // namespace

// |a - b| <= tol * max(1, |b|) everywhere.
void require_close(const Tensor& a, const Tensor& b, float tol = 1e-5f) {
  REQUIRE(a.shape() == b.shape());
  for (std::size_t i = 0; i < a.size(); ++i)
    REQUIRE(std::abs(a.data()[i] - b.data()[i]) <= tol * std::max(1.f, std::abs(b.data()[i])));
}

TEST_CASE("Conv2d matches the naive seven-loop reference on every configuration and kernel path, forward and backward") {
  manual_seed(11);
  auto configs = kConfigs;
  configs.insert(configs.end(), kLargerConfigs.begin(), kLargerConfigs.end());
  for (const auto& [o, shape] : configs) {
    for (const KernelPath path : fast_paths()) {
      UsePath use(path);
      const std::string path_name = kernel_path_name(path);
      CAPTURE(path_name);
      CAPTURE(shape_str(shape));
      Conv2d conv(o);
      const Tensor x = randn(shape, 3);
      const Tensor y = conv.forward(x);
      require_close(y, conv2d_reference_forward(x, conv.weight().value, o.bias() ? &conv.bias().value : nullptr, o));
      const Tensor dy = randn(shape_of(y), 4);
      const Tensor dx = conv.backward(dy);
      Tensor rdx, rdw, rdb;
      conv2d_reference_backward(x, conv.weight().value, dy, o, &rdx, &rdw, o.bias() ? &rdb : nullptr);
      require_close(dx, rdx, 1e-4f);
      require_close(conv.weight().grad, rdw, 1e-4f);
      if (o.bias()) require_close(conv.bias().grad, rdb, 1e-4f);
    }
  }
}

TEST_CASE("MINICNN_KERNELS=reference: Conv2d computes with the reference loops") {
  manual_seed(13);
  const auto& [o, shape] = kConfigs[2];
  Conv2d fast(o);
  const Tensor x = randn(shape, 3);
  const Tensor y_fast = fast.forward(x);
  Tensor y_ref;
  {
    UsePath use(KernelPath::reference);
    y_ref = fast.forward(x);
    CHECK_GRADIENTS(fast, x);
  }
  require_close(y_ref, y_fast);
  CHECK(y_ref == conv2d_reference_forward(x, fast.weight().value, &fast.bias().value, o));
  CHECK(parse_kernel_path("reference") == KernelPath::reference);
}

TEST_CASE("Conv2d backward matches finite differences on every configuration") {
  manual_seed(12);
  for (const auto& [o, shape] : kConfigs) {
    CAPTURE(shape_str(shape));
    Conv2d conv(o);
    CHECK_GRADIENTS(conv, randn(shape, 5));
  }
}

TEST_CASE("Conv2d is a cross-correlation: an impulse response shows the kernel flipped") {
  // y[i, j] = sum w[ki, kj] x[i + ki - 1, j + kj - 1]; with a single 1 at (2, 2) this gives
  // y[2 - ki + 1, 2 - kj + 1] = w[ki, kj]: the top-left tap lands below-right of the impulse.
  Conv2d conv(1, 1, 3, 1, 1, /*bias=*/false);
  conv.set_kernel(0, 0, arange({3, 3}, 1.f) + 1.f);  // 1..9
  Tensor x = xt::zeros<float>({1, 1, 5, 5});
  x(0, 0, 2, 2) = 1.f;
  const Tensor& y = conv.forward(x);
  CHECK(y(0, 0, 3, 3) == 1.f);  // w[0, 0]
  CHECK(y(0, 0, 1, 1) == 9.f);  // w[2, 2]
  CHECK(y(0, 0, 1, 3) == 7.f);  // w[2, 0]
  CHECK(y(0, 0, 3, 1) == 3.f);  // w[0, 2]
  CHECK(y(0, 0, 2, 2) == 5.f);  // centre
  CHECK(xt::sum(y)() == doctest::Approx(45.f));
}

TEST_CASE("Conv2d known values: Sobel-x on a vertical step edge") {
  Conv2d conv(1, 1, 3, 1, 0, false);
  conv.set_kernel(0, 0, Tensor{{-1.f, 0.f, 1.f}, {-2.f, 0.f, 2.f}, {-1.f, 0.f, 1.f}});
  Tensor x = xt::zeros<float>({1, 1, 6, 6});
  for (std::size_t i = 0; i < 6; ++i)
    for (std::size_t j = 3; j < 6; ++j) x(0, 0, i, j) = 1.f;  // dark left, bright right
  const Tensor& y = conv.forward(x);
  REQUIRE(y.shape() == Tensor::shape_type{1, 1, 4, 4});
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(y(0, 0, i, 0) == 0.f);
    CHECK(y(0, 0, i, 1) == 4.f);  // the window straddles the edge
    CHECK(y(0, 0, i, 2) == 4.f);
    CHECK(y(0, 0, i, 3) == 0.f);
  }
}

TEST_CASE("Conv2d known values: arange input and weight, stride 2") {
  // x = 0..15 as 4x4, w = all ones 2x2, stride 2: each output is the sum of one 2x2 block.
  Conv2d conv(1, 1, 2, 2, 0, false);
  conv.weight().value.fill(1.f);
  const Tensor& y = conv.forward(arange({1, 1, 4, 4}));
  CHECK(y(0, 0, 0, 0) == 0 + 1 + 4 + 5);
  CHECK(y(0, 0, 0, 1) == 2 + 3 + 6 + 7);
  CHECK(y(0, 0, 1, 0) == 8 + 9 + 12 + 13);
  CHECK(y(0, 0, 1, 1) == 10 + 11 + 14 + 15);
}

TEST_CASE("Conv2d output shape follows PyTorch's formula") {
  Conv2d conv(opts(3, 8, {5, 3}, {2, 1}, {1, 2}, {1, 2}));
  // OH = (11 + 2 - 4 - 1) / 2 + 1 = 5; OW = (9 + 4 - 4 - 1) / 1 + 1 = 9
  CHECK(conv.output_shape({4, 3, 11, 9}) == Shape{4, 8, 5, 9});
  CHECK(conv.forward(xt::zeros<float>({4, 3, 11, 9})).shape() == Tensor::shape_type{4, 8, 5, 9});
}

TEST_CASE("Conv2d name and spec") {
  CHECK(Conv2d(1, 6, 5, 1, 2).name() == "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))");
  CHECK(Conv2d(opts(4, 4, {3, 1}, 2, 0, 2, 4, false)).name() ==
        "Conv2d(4, 4, kernel_size=(3, 1), stride=(2, 2), dilation=(2, 2), groups=4, bias=False)");
  CHECK(Conv2d(1, 6, 5, 1, 2).spec() == "conv 6 5 pad=2");
  CHECK(Conv2d(opts(4, 4, {3, 1}, 2, 0, 2, 4, false)).spec() == "conv 4 3x1 stride=2 dilation=2 groups=4 bias=0");
}

TEST_CASE("Conv2d rejects bad options and inputs with messages naming the layer and shapes") {
  CHECK_THROWS_WITH_AS(Conv2d(0, 6, 5), "Conv2d: in_channels must be > 0, got 0", std::invalid_argument);
  CHECK_THROWS_WITH_AS(Conv2d(1, 0, 5), "Conv2d: out_channels must be > 0, got 0", std::invalid_argument);
  CHECK_THROWS_WITH_AS(Conv2d(1, 6, 0), "Conv2d: kernel_size must be > 0, got 0", std::invalid_argument);
  CHECK_THROWS_WITH_AS(Conv2d(1, 6, 3, 0), "Conv2d: stride must be > 0, got 0", std::invalid_argument);
  CHECK_THROWS_WITH_AS(Conv2d(opts(3, 6, 3, 1, 0, 1, 2)),
                       "Conv2d: in_channels (3) and out_channels (6) must both be divisible by groups (2)",
                       std::invalid_argument);
  Conv2d conv(1, 6, 5);
  CHECK_THROWS_WITH_AS(conv.forward(xt::zeros<float>({8, 3, 28, 28})),
                       "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1)): expected input (N, 1, H, W) with N > 0, "
                       "got (8, 3, 28, 28)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(conv.forward(xt::zeros<float>({28, 28})),
                       doctest::Contains("expected input (N, 1, H, W) with N > 0, got (28, 28)"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(conv.forward(xt::zeros<float>({1, 1, 4, 9})),
                       "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1)): input (1, 1, 4, 9) is too small: with "
                       "padding 0 and dilation 1 the kernel does not fit in the image",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(conv.backward(xt::zeros<float>({1, 6, 1, 1})),
                       "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1)): backward called before forward",
                       std::logic_error);
  conv.forward(xt::zeros<float>({2, 1, 8, 8}));
  CHECK_THROWS_WITH_AS(conv.backward(xt::zeros<float>({2, 6, 3, 3})),
                       "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1)): backward expected dy of shape (2, 6, 4, 4), got (2, 6, 3, 3)", std::invalid_argument);
  CHECK_THROWS_WITH_AS(conv.set_kernel(0, 0, xt::zeros<float>({3, 3})),
                       "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1)): set_kernel expected a kernel of shape (5, "
                       "5), got (3, 3)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(conv.set_kernel(6, 0, xt::zeros<float>({5, 5})), doctest::Contains("out of range"),
                       std::invalid_argument);
  CHECK_THROWS_AS(Conv2d(1, 6, 5, 1, 0, false).bias(), std::logic_error);
}

TEST_CASE("Conv2d has no hidden state: same input gives same output and backward leaves x alone") {
  manual_seed(3);
  Conv2d conv(2, 3, 3, 1, 1);
  check_no_hidden_state(conv, randn({2, 2, 6, 6}, 1));
}

TEST_CASE("Conv2d set_kernel writes exactly one (out, in) kernel") {
  Conv2d conv(2, 3, 3, 1, 1, false);
  const Tensor before = conv.weight().value;
  const Tensor k = arange({3, 3});
  conv.set_kernel(1, 1, k);
  for (std::size_t o = 0; o < 3; ++o)
    for (std::size_t c = 0; c < 2; ++c)
      for (std::size_t i = 0; i < 9; ++i) {
        const float got = conv.weight().value(o, c, i / 3, i % 3);
        CHECK(got == (o == 1 && c == 1 ? k.data()[i] : before(o, c, i / 3, i % 3)));
      }
}

TEST_CASE("Conv2d frozen weight: grad untouched, dx still computed") {
  manual_seed(4);
  Conv2d conv(1, 2, 3, 1, 1);
  conv.weight().frozen = true;
  conv.weight().grad.fill(7.f);
  const Tensor x = randn({1, 1, 5, 5}, 1);
  conv.forward(x);
  const Tensor& dx = conv.backward(xt::ones<float>({1, 2, 5, 5}));
  CHECK(xt::all(xt::equal(conv.weight().grad, 7.f)));
  CHECK(xt::sum(xt::abs(dx))() > 0.f);
  CHECK_GRADIENTS(conv, x);  // the check skips frozen parameters but still checks dx and bias
}

TEST_CASE("Conv2d gives the same result on 1 and 2 threads, and bit-identical results on repeats") {
  manual_seed(5);
  Conv2d conv(3, 4, 3, 1, 1);
  const Tensor x = randn({7, 3, 9, 9}, 2), dy = randn({7, 4, 9, 9}, 3);
  auto run = [&](int threads) {
    set_num_threads(threads);
    const Tensor y = conv.forward(x);
    const Tensor dx = conv.backward(dy);
    return std::vector<Tensor>{y, dx, conv.weight().grad, conv.bias().grad};
  };
  const auto one = run(1), two = run(2), two_again = run(2);
  set_num_threads(1);
  for (std::size_t i = 0; i < one.size(); ++i) {
    CHECK(max_abs_diff(one[i], two[i]) < 1e-4f);
    CHECK(bit_identical(two[i], two_again[i]));
  }
}

TEST_CASE("Conv2d without input gradient writes the same parameter gradients and an empty dx") {
  manual_seed(8);
  Conv2d conv(2, 3, 3, 2, 1);
  const Tensor x = randn({3, 2, 7, 6}, 1), dy = randn({3, 3, 4, 3}, 2);
  conv.forward(x);
  conv.backward(dy);
  const Tensor gw = conv.weight().grad, gb = conv.bias().grad;
  conv.set_needs_input_grad(false);
  conv.forward(x);
  const Tensor& dx = conv.backward(dy);
  CHECK(dx.size() == 0);
  CHECK(bit_identical(conv.weight().grad, gw));
  CHECK(bit_identical(conv.bias().grad, gb));
  Sequential m;
  m.add<Conv2d>(1, 2, 3);
  m.add<Flatten>();
  m.set_needs_input_grad(false);
  CHECK_FALSE(m[0].needs_input_grad());
  CHECK(m[1].needs_input_grad());  // only the first layer's dx leaves the model
}

TEST_CASE("conv_at finds a Conv2d by its layer path, inside blocks too, and names the convs when the path has none") {
  auto model = build_model("conv 4 3 pad=1, relu, res[conv 4 3 pad=1, relu, conv 4 3 pad=1] post=relu, flatten, linear 10",
                           {1, 8, 8});
  CHECK(&conv_at(*model, "0") == &dynamic_cast<Conv2d&>((*model)[0]));
  CHECK(conv_at(*model, "2.body.2").weight().value.shape(0) == 4);
  CHECK_THROWS_WITH_AS(conv_at(*model, "1"), "1 is a ReLU, not a Conv2d (conv layers: 0, 2.body.0, 2.body.2)", std::invalid_argument);
  CHECK_THROWS_WITH_AS(conv_at(*model, "30"), "no layer 30 (layers 0-4; conv layers: 0, 2.body.0, 2.body.2)", std::invalid_argument);
  CHECK_THROWS_WITH_AS(conv_at(*model, "2.body.O"),
                       "no layer 2.body.O; did you mean '2.body.0'? (layers 0-4; conv layers: 0, 2.body.0, 2.body.2)",
                       std::invalid_argument);
}
