#include "helpers.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("SGD plain step: p -= lr * grad") {
  Parameter p = param(Tensor{1.f, 2.f}, Tensor{0.5f, -1.f});
  SGD opt({{"p", &p}}, 0.1f);
  opt.step();
  CHECK(p.value(0) == doctest::Approx(0.95f));
  CHECK(p.value(1) == doctest::Approx(2.1f));
  CHECK(opt.state().empty());
}

TEST_CASE("SGD momentum, weight decay and Nesterov follow torch.optim.SGD") {
  // Hand-computed with momentum 0.9, weight_decay 0.1, lr 0.5, constant grad 1, p0 = 2:
  //   step 1: d = 1 + 0.2 = 1.2; b = 1.2;            p = 2 - 0.6 = 1.4
  //   step 2: d = 1 + 0.14 = 1.14; b = 1.08 + 1.14 = 2.22; p = 1.4 - 1.11 = 0.29
  Parameter p = param(m11(2.f), m11(1.f));  // 2-D: a weight, so weight decay applies
  SGD opt({{"w", &p}}, 0.5f, 0.9f, 0.1f);
  opt.step();
  CHECK(p.value(0, 0) == doctest::Approx(1.4f));
  opt.step();
  CHECK(p.value(0, 0) == doctest::Approx(0.29f));
  REQUIRE(opt.state().size() == 1);
  CHECK(opt.state()[0].first == "w.momentum_buffer");
  CHECK((*opt.state()[0].second)(0, 0) == doctest::Approx(2.22f));

  // Nesterov, no decay, lr 1, momentum 0.5, grad 1: step 1: b = 1, d = 1 + 0.5 = 1.5; step 2: b = 1.5, d = 1.75.
  Parameter q = param(Tensor{0.f}, Tensor{1.f});
  SGD nes({{"q", &q}}, 1.f, 0.5f, 0.f, true);
  nes.step();
  CHECK(q.value(0) == doctest::Approx(-1.5f));
  nes.step();
  CHECK(q.value(0) == doctest::Approx(-3.25f));
}

TEST_CASE("SGD never changes a frozen parameter") {
  Parameter p = param(Tensor{1.f, 2.f}, Tensor{1.f, 1.f});
  p.frozen = true;
  SGD opt({{"p", &p}}, 0.1f, 0.9f, 0.5f);
  for (int i = 0; i < 3; ++i) opt.step();
  CHECK(p.value == Tensor{1.f, 2.f});
}

TEST_CASE("SGD errors") {
  Parameter p = param(Tensor{1.f}, Tensor{1.f});
  CHECK_THROWS_WITH_AS(SGD({{"p", &p}}, -1.f), doctest::Contains("learning rate must be finite and >= 0"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(SGD({{"p", &p}}, 0.1f, -0.5f), doctest::Contains("SGD: momentum must be finite and >= 0"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(SGD({{"p", &p}}, 0.1f, 0.f, 0.f, true), "SGD: nesterov momentum requires momentum > 0",
                       std::invalid_argument);
  Parameter bad = param(Tensor{1.f, 2.f}, Tensor{1.f});
  CHECK_THROWS_WITH_AS(SGD({{"bad", &bad}}, 0.1f), "Optimizer: parameter 'bad' has value (2) but grad (1)",
                       std::invalid_argument);
}

TEST_CASE("Weight decay skips biases (1-D parameters) unless switched on by name") {
  Parameter w = param(m11(1.f), m11(0.f)), b = param(Tensor{1.f}, Tensor{0.f});
  SGD opt({{"0.weight", &w}, {"0.bias", &b}}, 1.f, 0.f, 0.5f);
  opt.step();
  CHECK(w.value(0, 0) == doctest::Approx(0.5f));
  CHECK(b.value(0) == 1.f);
  opt.set_weight_decay_enabled("0.bias", true);
  opt.step();
  CHECK(b.value(0) == doctest::Approx(0.5f));
  CHECK_THROWS_WITH_AS(opt.set_weight_decay_enabled("nope", true), "Optimizer: no parameter named 'nope'", std::invalid_argument);
}

TEST_CASE("clip_grad_norm scales gradients to the maximum norm") {
  Parameter a = param(Tensor{0.f, 0.f}, Tensor{3.f, 0.f}), b = param(Tensor{0.f}, Tensor{4.f});
  const double norm = clip_grad_norm({{"a", &a}, {"b", &b}}, 1.0);
  CHECK(norm == doctest::Approx(5.0));
  CHECK(a.grad(0) == doctest::Approx(0.6f));
  CHECK(b.grad(0) == doctest::Approx(0.8f));
  CHECK(clip_grad_norm({{"a", &a}, {"b", &b}}, 10.0) == doctest::Approx(1.0));
  CHECK(a.grad(0) == doctest::Approx(0.6f));  // under the limit: unchanged
}
