// MaxPool2d and AvgPool2d with padding, ceil_mode, dilation and count_include_pad: values from
// PyTorch 1.13 (nn.MaxPool2d / nn.AvgPool2d on torch.arange) at odd sizes, gradient checks, and
// ONNX's asymmetric padding.
#include "helpers.hpp"

using namespace minicnn;
using namespace minicnn::test;

namespace {
Tensor flat(const Tensor& t) {
  Tensor f = t;
  f.reshape({t.size()});
  return f;
}
Tensor values(std::initializer_list<float> v) {
  Tensor t = Tensor::from_shape({v.size()});
  std::copy(v.begin(), v.end(), t.begin());
  return t;
}
}  // namespace

TEST_CASE("MaxPool2d with padding, ceil_mode and dilation matches PyTorch's values") {
  MaxPool2d pool(3, 2, 1, 1, true);  // H = 7, k = 3, s = 2, p = 1, ceil: 4x4
  CHECK(pool.name() == "MaxPool2d(kernel_size=3, stride=2, padding=1, ceil_mode=True)");
  CHECK(pool.spec() == "maxpool 3 stride=2 pad=1 ceil_mode=1");
  const Tensor& y = pool.forward(arange({1, 1, 7, 7}));
  CHECK(y.shape() == Tensor::shape_type{1, 1, 4, 4});
  CHECK(flat(y) == values({8, 10, 12, 13, 22, 24, 26, 27, 36, 38, 40, 41, 43, 45, 47, 48}));
  MaxPool2d ceil2(2, 2, 0, 1, true);  // 5x5 -> 3x3: the last window holds one row
  CHECK(flat(ceil2.forward(arange({1, 1, 5, 5}))) == values({6, 8, 9, 16, 18, 19, 21, 23, 24}));
  MaxPool2d dilated(2, 1, 0, 2);
  CHECK(flat(dilated.forward(arange({1, 1, 5, 5}))) == values({12, 13, 14, 17, 18, 19, 22, 23, 24}));
  // The padding is -inf: on all-negative inputs it never wins.
  MaxPool2d padded(3, 1, 1);
  Tensor neg = arange({1, 1, 3, 3});
  for (float& v : neg) v = -1.f - v;
  CHECK(padded.forward(neg)(0, 0, 0, 0) == -1.f);
}

TEST_CASE("MaxPool2d with options: gradients and the rule for the last ceil_mode window") {
  MaxPool2d pool(3, 2, 1, 1, true);
  CHECK_GRADIENTS(pool, distinct({2, 2, 7, 6}, 1));
  MaxPool2d dilated(Size2{2, 3}, Size2{2, 1}, Pads2d(1, 0, 0, 1), Size2{2, 1}, true);
  CHECK_GRADIENTS(dilated, distinct({1, 2, 6, 5}, 2));
  // H = 6, k = 2, s = 2, p = 1, ceil: ceil(6/2) + 1 = 4 windows, but the 4th would start at 6 - 1
  // + 2 = past the input and its top padding, so PyTorch (and minicnn) keep 3... and 4 when it starts inside.
  MaxPool2d rule(2, 2, 1, 1, true);
  CHECK(rule.forward(arange({1, 1, 6, 6})).shape() == Tensor::shape_type{1, 1, 4, 4});
  MaxPool2d rule5(2, 2, 1, 1, true);
  CHECK(rule5.forward(arange({1, 1, 5, 5})).shape() == Tensor::shape_type{1, 1, 3, 3});
  CHECK_THROWS_WITH_AS(MaxPool2d(3, 2, 3), "MaxPool2d: padding 3 must be smaller than the window 3 on every side",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(MaxPool2d(3, 2, 0, 0), "MaxPool2d: dilation must be > 0, got 0", std::invalid_argument);
}

TEST_CASE("AvgPool2d with padding, ceil_mode and count_include_pad matches PyTorch's values") {
  AvgPool2d pool(3, 2, 1, true);
  CHECK(pool.name() == "AvgPool2d(kernel_size=3, stride=2, padding=1, ceil_mode=True)");
  const Tensor& y = pool.forward(arange({1, 1, 7, 7}));
  const Tensor want = values({1.7777777910232544f, 3.6666667461395264f, 5.f, 4.f, 9.666666984558105f, 16.f, 18.f, 13.f, 19.f, 30.f, 32.f,
                              22.33333396911621f, 17.33333396911621f, 27.f, 28.33333396911621f, 19.55555534362793f});
  CHECK(xt::allclose(flat(y), want, 1e-6, 1e-6));
  AvgPool2d excl(3, 2, 1, true, false);
  CHECK(excl.name() == "AvgPool2d(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)");
  CHECK(excl.spec() == "avgpool 3 stride=2 pad=1 ceil_mode=1 count_include_pad=0");
  CHECK(xt::allclose(flat(excl.forward(arange({1, 1, 7, 7}))),
                     values({4, 5.5, 7.5, 9, 14.5, 16, 18, 19.5, 28.5, 30, 32, 33.5, 39, 40.5, 42.5, 44}), 1e-6, 1e-6));
  AvgPool2d ceil2(2, 2, 0, true);  // the cut windows divide by the inputs inside them
  CHECK(flat(ceil2.forward(arange({1, 1, 5, 5}))) == values({3, 5, 6.5, 13, 15, 16.5, 20.5, 22.5, 24}));
}

TEST_CASE("AvgPool2d with options: gradients, asymmetric padding and errors") {
  AvgPool2d pool(3, 2, 1, true);
  CHECK_GRADIENTS(pool, distinct({2, 2, 7, 6}, 3));
  AvgPool2d excl(Size2{3, 2}, Size2{2, 1}, Pads2d(0, 1, 1, 2), true, false);
  CHECK(excl.spec() == "avgpool 3x2 stride=2x1 pad=0x1x1x2 ceil_mode=1 count_include_pad=0");
  CHECK_GRADIENTS(excl, distinct({1, 2, 6, 5}, 4));
  // ONNX's SAME_UPPER on 4x4 with k = 3, s = 1: pads (1, 1, 1, 1); with k = 2: (0, 1, 0, 1),
  // here without the padding in the count (ONNX's default).
  AvgPool2d same(2, 1, Pads2d(0, 1, 0, 1), false, false);
  const Tensor& y = same.forward(arange({1, 1, 2, 2}));
  CHECK(flat(y) == values({1.5f, 2.f, 2.5f, 3.f}));
  auto model = build_model("avgpool 3 stride=2 pad=1x0 ceil_mode=1 count_include_pad=0, maxpool 2 pad=0x1x0x1 dilation=1", {1, 7, 7});
  CHECK(model->spec() == "avgpool 3 stride=2 pad=1x0 ceil_mode=1 count_include_pad=0, maxpool 2 pad=0x1x0x1");
  CHECK_THROWS_WITH_AS(build_model("maxpool 3 pad=1x2x3", {1, 7, 7}),
                       "spec item 1 'maxpool 3 pad=1x2x3': pad must be 1, 2 or 4 whole numbers from 0 to 65536 joined by 'x', got '1x2x3'",
                       SpecError);
  CHECK_THROWS_WITH_AS(build_model("avgpool 3 dilation=2", {1, 7, 7}), doctest::Contains("unknown option 'dilation'"), SpecError);
}
