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
