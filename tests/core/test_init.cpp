#include "helpers.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("Rng is reproducible from its seed and its saved state") {
  Rng a(42), b(42), c(43);
  for (int i = 0; i < 10; ++i) {
    const auto x = a.next_u64();
    CHECK(x == b.next_u64());
    CHECK(x != c.next_u64());
  }
  a.normal();  // leaves a spare Box-Muller value behind: the state must carry it
  const std::string s = a.state();
  const float n1 = a.normal(), u1 = a.uniform();
  Rng d(0);
  d.set_state(s);
  CHECK(d.normal() == n1);
  CHECK(d.uniform() == u1);
  CHECK_THROWS_WITH_AS(d.set_state("junk"), "Rng::set_state: not a generator state: 'junk'", std::invalid_argument);
}

TEST_CASE("Rng distributions have the right moments and ranges") {
  Rng rng(7);
  double sum = 0, sq = 0;
  const int n = 200000;
  float lo = 1, hi = 0;
  for (int i = 0; i < n; ++i) {
    const float u = rng.uniform();
    lo = std::min(lo, u);
    hi = std::max(hi, u);
    const double z = rng.normal();
    sum += z;
    sq += z * z;
  }
  CHECK(lo >= 0.f);
  CHECK(hi < 1.f);
  CHECK(sum / n == doctest::Approx(0.0).epsilon(0.01).scale(1));
  CHECK(sq / n == doctest::Approx(1.0).epsilon(0.02));
  std::vector<int> counts(3);
  for (int i = 0; i < 30000; ++i) ++counts[rng.below(3)];
  for (int c : counts) CHECK(c == doctest::Approx(10000).epsilon(0.05));
}

TEST_CASE("Initialisers use the PyTorch fan-in/fan-out and bounds") {
  CHECK(fan_in_out({6, 1, 5, 5}) == std::pair<std::size_t, std::size_t>{25, 150});
  CHECK(fan_in_out({120, 400}) == std::pair<std::size_t, std::size_t>{400, 120});
  CHECK_THROWS_AS(fan_in_out({7}), std::invalid_argument);
  Rng rng(1);
  Tensor w = Tensor::from_shape({64, 32, 3, 3});  // fan_in 288, fan_out 576
  init::kaiming_uniform(w, std::sqrt(5.f), rng);
  CHECK(xt::amax(xt::abs(w))() <= 1.f / std::sqrt(288.f));
  init::xavier_uniform(w, 1.f, rng);
  CHECK(xt::amax(xt::abs(w))() <= std::sqrt(6.f / (288 + 576)));
  CHECK(xt::amax(xt::abs(w))() > 0.95f * std::sqrt(6.f / (288 + 576)));
  init::kaiming_normal(w, 0.f, rng);
  CHECK(std::sqrt(xt::mean(w * w)()) == doctest::Approx(std::sqrt(2.f / 288)).epsilon(0.03));
  init::xavier_normal(w, 1.f, rng);
  CHECK(std::sqrt(xt::mean(w * w)()) == doctest::Approx(std::sqrt(2.f / 864)).epsilon(0.03));
  init::constant(w, 0.25f);
  CHECK(xt::all(xt::equal(w, 0.25f)));
  init::zeros(w);
  CHECK(xt::sum(xt::abs(w))() == 0.f);
}

TEST_CASE("manual_seed makes layer initialisation reproducible") {
  manual_seed(9);
  Conv2d a(3, 4, 3);
  manual_seed(9);
  Conv2d b(3, 4, 3);
  Conv2d c(3, 4, 3);  // the generator moved on
  CHECK(bit_identical(a.weight().value, b.weight().value));
  CHECK(bit_identical(a.bias().value, b.bias().value));
  CHECK_FALSE(bit_identical(a.weight().value, c.weight().value));
}
