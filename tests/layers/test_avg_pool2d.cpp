#include "helpers.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("AvgPool2d backward matches finite differences") {
  AvgPool2d pool(2);
  CHECK_GRADIENTS(pool, randn({2, 3, 6, 4}, 1));
  AvgPool2d overlapping(3, 2);
  CHECK_GRADIENTS(overlapping, randn({2, 2, 7, 9}, 2));
  AvgPool2d rect(Size2{1, 3}, Size2{1, 1});
  CHECK_GRADIENTS(rect, randn({1, 1, 3, 5}, 3));
}

TEST_CASE("AvgPool2d known values on arange") {
  AvgPool2d pool(2);
  CHECK(pool.forward(arange({1, 1, 4, 4})) == Tensor{{{{2.5f, 4.5f}, {10.5f, 12.5f}}}});
  const Tensor& dx = pool.backward(Tensor{{{{4.f, 8.f}, {0.f, -4.f}}}});
  CHECK(dx == Tensor{{{{1.f, 1.f, 2.f, 2.f}, {1.f, 1.f, 2.f, 2.f}, {0.f, 0.f, -1.f, -1.f}, {0.f, 0.f, -1.f, -1.f}}}});
}

TEST_CASE("AvgPool2d errors") {
  CHECK_THROWS_WITH_AS(AvgPool2d(Size2{2, 0}), "AvgPool2d: kernel_size must be > 0, got (2, 0)", std::invalid_argument);
  AvgPool2d pool(3, 1);
  CHECK(pool.name() == "AvgPool2d(kernel_size=3, stride=1)");
  CHECK_THROWS_WITH_AS(pool.backward(xt::zeros<float>({1})), doctest::Contains("backward called before forward"),
                       std::logic_error);
  CHECK_THROWS_WITH_AS(pool.forward(xt::zeros<float>({2, 0, 5, 5})),
                       "AvgPool2d(kernel_size=3, stride=1): expected input (N, C, H, W) with every size > 0, got (2, 0, 5, 5)",
                       std::invalid_argument);
}

TEST_CASE("AvgPool2d has no hidden state") {
  AvgPool2d pool(2);
  check_no_hidden_state(pool, randn({2, 2, 4, 4}, 5));
}
