#include "helpers.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("Flatten backward matches finite differences") {
  Flatten flat;
  CHECK_GRADIENTS(flat, randn({2, 3, 2, 2}, 1));
}

TEST_CASE("Flatten keeps (C, H, W) row-major order") {
  Flatten flat;
  const Tensor& y = flat.forward(arange({2, 2, 1, 3}));
  REQUIRE(y.shape() == Tensor::shape_type{2, 6});
  CHECK(y == Tensor{{0.f, 1.f, 2.f, 3.f, 4.f, 5.f}, {6.f, 7.f, 8.f, 9.f, 10.f, 11.f}});
  CHECK(flat.backward(y) == arange({2, 2, 1, 3}));
}

TEST_CASE("Flatten errors") {
  Flatten flat;
  CHECK_THROWS_WITH_AS(flat.backward(xt::zeros<float>({2, 2})), "Flatten(start_dim=1, end_dim=-1): backward called before forward",
                       std::logic_error);
  CHECK_THROWS_WITH_AS(flat.forward(xt::zeros<float>({5})),
                       "Flatten(start_dim=1, end_dim=-1): expected input (N, ...) with at least 2 dimensions and N > 0, got (5)",
                       std::invalid_argument);
  flat.forward(xt::zeros<float>({2, 3, 4}));
  CHECK_THROWS_WITH_AS(flat.backward(xt::zeros<float>({2, 3, 4})),
                       "Flatten(start_dim=1, end_dim=-1): backward expected dy of shape (2, 12), got (2, 3, 4)", std::invalid_argument);
}

TEST_CASE("Flatten has no hidden state") {
  Flatten flat;
  check_no_hidden_state(flat, randn({2, 3, 2}, 1));
}
