#include "helpers.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("Tanh backward matches finite differences") {
  Tanh t;
  CHECK_GRADIENTS(t, randn({2, 3, 4}, 1));
}

TEST_CASE("Tanh known values, saturation, errors and no hidden state") {
  Tanh t;
  const Tensor& y = t.forward(Tensor{0.f, 1.f, -1.f, 50.f});
  CHECK(y(0) == 0.f);
  CHECK(y(1) == doctest::Approx(0.7615942f));
  CHECK(y(2) == doctest::Approx(-0.7615942f));
  CHECK(y(3) == 1.f);
  CHECK(t.backward(Tensor{1.f, 1.f, 1.f, 1.f})(1) == doctest::Approx(1 - 0.7615942f * 0.7615942f));
  Tanh fresh;
  CHECK_THROWS_WITH_AS(fresh.backward(Tensor{1.f}), "Tanh(): backward called before forward", std::logic_error);
  t.forward(xt::zeros<float>({2, 2}));
  CHECK_THROWS_WITH_AS(t.backward(xt::zeros<float>({4})), "Tanh(): backward expected dy of shape (2, 2), got (4)", std::invalid_argument);
  check_no_hidden_state(t, randn({3, 3}, 2));
}
