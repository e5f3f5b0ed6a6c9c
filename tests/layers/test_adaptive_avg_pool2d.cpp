#include "helpers.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("AdaptiveAvgPool2d: PyTorch's bins, gradients and errors") {
  AdaptiveAvgPool2d pool(Size2{3, 2});
  CHECK(pool.name() == "AdaptiveAvgPool2d(output_size=(3, 2))");
  CHECK(pool.spec() == "adaptiveavgpool 3x2");
  // PyTorch: nn.AdaptiveAvgPool2d((3, 2))(torch.arange(35.).reshape(1, 1, 7, 5)); rows [0, 3), [2, 5),
  // [4, 7) overlap, columns [0, 3), [2, 5).
  const Tensor& y = pool.forward(arange({1, 1, 7, 5}));
  CHECK(y == Tensor{{{{6.f, 8.f}, {16.f, 18.f}, {26.f, 28.f}}}});
  CHECK_GRADIENTS(pool, distinct({2, 2, 7, 5}, 1));
  AdaptiveAvgPool2d up(4);  // more outputs than inputs: bins repeat inputs
  CHECK_GRADIENTS(up, distinct({1, 2, 3, 2}, 2));
  std::size_t k, s;
  CHECK(AdaptiveAvgPool2d::uniform_bins(7, 3, k, s));
  CHECK((k == 3 && s == 2));
  CHECK(AdaptiveAvgPool2d::uniform_bins(12, 6, k, s));
  CHECK((k == 2 && s == 2));
  CHECK_FALSE(AdaptiveAvgPool2d::uniform_bins(5, 3, k, s));  // [0, 2), [1, 4), [3, 5)
  CHECK(build_model("adaptiveavgpool 6, flatten", {2, 13, 13})->spec() == "adaptiveavgpool 6, flatten");
  CHECK_THROWS_WITH_AS(AdaptiveAvgPool2d(Size2{0, 1}), "AdaptiveAvgPool2d: output_size must be > 0, got (0, 1)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(pool.forward(Tensor{{1.f, 2.f}}),
                       "AdaptiveAvgPool2d(output_size=(3, 2)): expected input (N, C, H, W) with every size > 0, got (1, 2)",
                       std::invalid_argument);
  check_no_hidden_state(pool, distinct({2, 2, 7, 5}, 3));
}
