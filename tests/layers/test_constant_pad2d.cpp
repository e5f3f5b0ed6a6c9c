#include "helpers.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("ConstantPad2d: PyTorch's values and names, gradients and errors") {
  ConstantPad2d pad(Pads2d(1, 0, 2, 1), 0.5f);  // (left, right, top, bottom), as nn.ConstantPad2d
  CHECK(pad.name() == "ConstantPad2d(padding=(1, 0, 2, 1), value=0.5)");
  CHECK(pad.spec() == "pad 1x0x2x1 value=0.5");
  const Tensor& y = pad.forward(arange({1, 1, 2, 2}));
  CHECK(y == Tensor{{{{0.5f, 0.5f, 0.5f}, {0.5f, 0.5f, 0.5f}, {0.5f, 0.f, 1.f}, {0.5f, 2.f, 3.f}, {0.5f, 0.5f, 0.5f}}}});
  CHECK_GRADIENTS(pad, distinct({2, 3, 3, 2}, 1));
  CHECK(ConstantPad2d(Size2{1, 2}).name() == "ZeroPad2d((2, 2, 1, 1))");
  CHECK(ConstantPad2d(Size2{1, 2}).spec() == "pad 1x2");
  CHECK(build_model("pad 0x1x0x1, pad 2 value=-3", {1, 4, 4})->spec() == "pad 0x1x0x1, pad 2 value=-3");
  CHECK_THROWS_WITH_AS(ConstantPad2d(0), "ConstantPad2d: padding is 0 on every side; leave the layer out", std::invalid_argument);
  CHECK_THROWS_WITH_AS(build_model("pad 1x2x3", {1, 4, 4}),
                       "spec item 1 'pad 1x2x3': padding must be 1, 2 or 4 whole numbers from 0 to 65536 joined by 'x', got '1x2x3'",
                       SpecError);
  CHECK_THROWS_WITH_AS(pad.forward(Tensor{{1.f, 2.f}}),
                       "ConstantPad2d(padding=(1, 0, 2, 1), value=0.5): expected input (N, C, H, W) with every size > 0, got (1, 2)",
                       std::invalid_argument);
  // A spec (or an ONNX file) asking for a huge output is refused before anything is allocated.
  CHECK_THROWS_WITH_AS(build_model("pad 65536", {1, 4, 4}),
                       "spec item 1 'pad 65536': its output (1, 131076, 131076) is over the limit of 67108864 values per image",
                       SpecError);
  CHECK_THROWS_WITH_AS(build_model("maxpool 65536 stride=1 pad=65535", {1, 4, 4}), doctest::Contains("is over the limit of"),
                       SpecError);
  CHECK_THROWS_WITH_AS(build_model("adaptiveavgpool 65536", {1, 4, 4}), doctest::Contains("is over the limit of"), SpecError);
  check_no_hidden_state(pad, distinct({2, 3, 3, 2}, 2));
}
