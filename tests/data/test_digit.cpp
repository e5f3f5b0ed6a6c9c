#include "helpers.hpp"
#include "minicnn/data/digit.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("prepare_digit inverts a light background, fits the digit into 20x20 and centres it") {
  Tensor paper = xt::ones<float>({100, 60}) * 250.f;
  for (std::size_t i = 10; i < 50; ++i)
    for (std::size_t j = 5; j < 15; ++j) paper(i, j) = 10.f;  // a dark bar near the top-left
  const Tensor d = prepare_digit(paper);
  REQUIRE(d.shape() == Tensor::shape_type{28, 28});
  CHECK(d(0, 0) == 0.f);  // background is now black
  CHECK(xt::amax(d)() == doctest::Approx(255.f));
  double m = 0, mi = 0, mj = 0;
  std::size_t rows = 0;
  for (std::size_t i = 0; i < 28; ++i) {
    bool ink = false;
    for (std::size_t j = 0; j < 28; ++j) m += d(i, j), mi += i * d(i, j), mj += j * d(i, j), ink |= d(i, j) > 128;
    rows += ink;
  }
  CHECK(mi / m == doctest::Approx(13.5).epsilon(0.05));  // centre of mass in the middle
  CHECK(mj / m == doctest::Approx(13.5).epsilon(0.05));
  CHECK(rows >= 18);  // 40 px tall bar scaled to about 20 rows
  CHECK(rows <= 21);
}
