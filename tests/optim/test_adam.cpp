#include "helpers.hpp"
#include "minicnn/optim/adam.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("Adam and AdamW follow torch.optim") {
  // One parameter, constant gradient 1: every Adam step moves it by about lr (m/v ratio is 1).
  Parameter p = param(m11(0.f), m11(1.f));
  Adam adam({{"w", &p}}, 0.1f);
  adam.step();
  CHECK(p.value(0, 0) == doctest::Approx(-0.1f).epsilon(1e-4));
  adam.step();
  CHECK(p.value(0, 0) == doctest::Approx(-0.2f).epsilon(1e-4));
  REQUIRE(adam.state().size() == 3);
  CHECK(adam.state()[2].first == "step");
  CHECK((*adam.state()[2].second)(0) == 2.f);
  // Hand-computed with lr 0.1, gradient 0.5, beta1 0.9, beta2 0.999, AdamW decay 0.1 from p = 1:
  //   p <- 1 - 0.1 * 0.1 * 1 = 0.99; m = 0.05, v = 0.00025; mhat = 0.5, vhat = 0.25; p -= 0.1 * 0.5 / 0.5 -> 0.89
  Parameter q = param(m11(1.f), m11(0.5f));
  Adam adamw({{"w", &q}}, 0.1f, 0.9f, 0.999f, 1e-8f, 0.1f, /*decoupled=*/true);
  adamw.step();
  CHECK(q.value(0, 0) == doctest::Approx(0.89f).epsilon(1e-5));
  CHECK(adamw.name().rfind("AdamW(lr=0.1", 0) == 0);
  CHECK_THROWS_WITH_AS(Adam({{"w", &q}}, 0.1f, 1.f), doctest::Contains("Adam: betas must be in [0, 1)"), std::invalid_argument);
}
