#include "helpers.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("ReLU backward matches finite differences") {
  ReLU relu;
  CHECK_GRADIENTS(relu, away_from_zero(randn({2, 3, 4, 5}, 1), 0.05f));  // 2h = 0.02 < 0.05
  CHECK_GRADIENTS(relu, away_from_zero(randn({3, 7}, 2), 0.05f));
}

TEST_CASE("ReLU known values") {
  ReLU relu;
  const Tensor& y = relu.forward(Tensor{{-2.f, -0.f, 0.5f}, {3.f, -1e-3f, 0.f}});
  CHECK(y == Tensor{{0.f, 0.f, 0.5f}, {3.f, 0.f, 0.f}});
  const Tensor& dx = relu.backward(Tensor{{1.f, 1.f, 1.f}, {2.f, 2.f, 2.f}});
  CHECK(dx == Tensor{{0.f, 0.f, 1.f}, {2.f, 0.f, 0.f}});  // subgradient 0 at x == 0
}

TEST_CASE("ReLU errors") {
  ReLU relu;
  CHECK_THROWS_WITH_AS(relu.backward(xt::zeros<float>({2})), "ReLU(): backward called before forward", std::logic_error);
  relu.forward(xt::zeros<float>({2, 3}));
  CHECK_THROWS_WITH_AS(relu.backward(xt::zeros<float>({3, 2})), "ReLU(): backward expected dy of shape (2, 3), got (3, 2)",
                       std::invalid_argument);
}

TEST_CASE("ReLU has no hidden state") {
  ReLU relu;
  check_no_hidden_state(relu, randn({2, 5}, 3));
}
