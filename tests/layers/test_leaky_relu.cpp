#include "helpers.hpp"
#include "minicnn/core/registry.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("LeakyReLU backward matches finite differences") {
  LeakyReLU a(0.1f), neg(-0.5f);
  CHECK_GRADIENTS(a, away_from_zero(randn({2, 3, 4}, 1), 0.05f));
  CHECK_GRADIENTS(neg, away_from_zero(randn({3, 5}, 2), 0.05f));
}

TEST_CASE("LeakyReLU known values, name and spec") {
  LeakyReLU l(0.1f);
  CHECK(l.forward(Tensor{-2.f, 0.f, 3.f}) == Tensor{-0.2f, 0.f, 3.f});
  const Tensor dx = l.backward(Tensor{1.f, 1.f, 1.f});
  CHECK(dx(0) == doctest::Approx(0.1f));
  CHECK(dx(1) == doctest::Approx(0.1f));  // the slope's side at exactly 0
  CHECK(dx(2) == 1.f);
  CHECK(LeakyReLU().name() == "LeakyReLU(negative_slope=0.01)");
  CHECK(build_model("flatten, leakyrelu slope=0.2", {4})->spec() == "flatten, leakyrelu slope=0.200000003");
}

TEST_CASE("LeakyReLU errors and no hidden state") {
  LeakyReLU l;
  CHECK_THROWS_WITH_AS(l.backward(Tensor{1.f}), "LeakyReLU(negative_slope=0.01): backward called before forward", std::logic_error);
  CHECK_THROWS_AS(LeakyReLU(std::nanf("")), std::invalid_argument);
  CHECK_THROWS_WITH_AS(build_model("flatten, leakyrelu slope=x", {4}), doctest::Contains("slope must be a finite number, got 'x'"),
                       std::invalid_argument);
  check_no_hidden_state(l, randn({2, 6}, 3));
}
