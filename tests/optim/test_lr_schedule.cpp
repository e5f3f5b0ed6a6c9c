#include "helpers.hpp"
#include "minicnn/optim/lr_schedule.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("LrSchedule values") {
  LrSchedule s;
  CHECK(s.at(0.1f, 5, 3, 10, 8) == 0.1f);
  s.kind = LrSchedule::Kind::step;
  s.step_size = 2;
  s.gamma = 0.5f;
  CHECK(s.at(1.f, 0, 9, 10, 8) == 1.f);
  CHECK(s.at(1.f, 3, 0, 10, 8) == 0.5f);
  CHECK(s.at(1.f, 4, 0, 10, 8) == 0.25f);
  s.kind = LrSchedule::Kind::cosine;
  CHECK(s.at(1.f, 0, 0, 10, 2) == 1.f);
  CHECK(s.at(1.f, 1, 0, 10, 2) == doctest::Approx(0.5f));  // halfway
  CHECK(s.at(1.f, 1, 10, 10, 2) == doctest::Approx(0.f));
  CHECK(LrSchedule::parse("cosine") == LrSchedule::Kind::cosine);
  CHECK_THROWS_WITH_AS(LrSchedule::parse("linear"),
                       "unknown learning-rate schedule 'linear' (expected constant, step, cosine or onecycle)", std::invalid_argument);
  s.kind = LrSchedule::Kind::onecycle;  // PyTorch's OneCycleLR: lr/25 -> lr at 30% -> lr/25/1e4
  CHECK(s.at(1.f, 0, 0, 10, 10) == doctest::Approx(0.04f));
  CHECK(s.at(1.f, 3, 0, 10, 10) == doctest::Approx(1.f));
  CHECK(s.at(1.f, 10, 0, 10, 10) == doctest::Approx(4e-6f));
  CHECK(s.at(1.f, 6, 5, 10, 10) < s.at(1.f, 4, 0, 10, 10));
}

TEST_CASE("LrSchedule multipliers: hand-made changes from a batch position on") {
  LrSchedule s;
  s.kind = LrSchedule::Kind::cosine;
  const float plain11 = s.at(1.f, 1, 1, 10, 4), plain13 = s.at(1.f, 1, 3, 10, 4);
  s.multipliers = {{12, 0.5f}, {20, 2.f}};
  CHECK(s.at(1.f, 1, 1, 10, 4) == plain11);          // position 11: before the first change
  CHECK(s.at(1.f, 1, 3, 10, 4) == plain13 * 0.5f);   // position 13
  CHECK(s.at(1.f, 2, 0, 10, 4) == s.scheduled(1.f, 2, 0, 10, 4) * 2.f);
  CHECK(s.multiplier_at(12) == 0.5f);
  CHECK(s.multiplier_at(19) == 0.5f);
  CHECK(s.multiplier_at(20) == 2.f);
}

TEST_CASE("LrSchedule multipliers round-trip as text, and bad text names the item") {
  const std::vector<std::pair<std::size_t, float>> m{{0, 0.1f}, {1200, 0.333333343f}, {3000, 1.f}};
  const std::string text = LrSchedule::format_multipliers(m);
  CHECK(text == "0:0.100000001,1200:0.333333343,3000:1");
  CHECK(LrSchedule::parse_multipliers(text) == m);
  CHECK(LrSchedule::parse_multipliers("").empty());
  CHECK_THROWS_WITH_AS(LrSchedule::parse_multipliers("10:0.5,5:2"),
                       "'5:2': positions must rise (the one before is 10)", std::invalid_argument);
  for (const char* bad : {"10", "10:", ":2", "-1:2", "10:0", "10:-1", "10:x", "10:1e9", "10:nan", "1,2"})
    CHECK_THROWS_AS(LrSchedule::parse_multipliers(bad), std::invalid_argument);
}
