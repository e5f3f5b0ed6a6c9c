#include "helpers.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("Sigmoid backward matches finite differences") {
  Sigmoid s;
  CHECK_GRADIENTS(s, randn({2, 3, 4}, 1, 2.f));
}

TEST_CASE("Sigmoid known values, no overflow, errors and no hidden state") {
  Sigmoid s;
  const Tensor& y = s.forward(Tensor{0.f, 2.f, -2.f, 100.f, -100.f});
  CHECK(y(0) == 0.5f);
  CHECK(y(1) == doctest::Approx(0.8807971f));
  CHECK(y(2) == doctest::Approx(0.1192029f));
  CHECK(y(3) == 1.f);
  CHECK(y(4) >= 0.f);
  CHECK(y(4) < 1e-30f);
  CHECK(xt::all(xt::isfinite(s.backward(xt::ones<float>({5})))));
  CHECK(s.backward(xt::ones<float>({5}))(0) == 0.25f);
  Sigmoid fresh;
  CHECK_THROWS_WITH_AS(fresh.backward(Tensor{1.f}), "Sigmoid(): backward called before forward", std::logic_error);
  check_no_hidden_state(s, randn({3, 3}, 2));
}
