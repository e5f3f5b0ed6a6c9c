#include "helpers.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("SoftmaxCrossEntropy backward matches finite differences") {
  SoftmaxCrossEntropy loss;
  auto r = check_loss_gradients(loss, randn({4, 5}, 1, 2.f), {0, 4, 2, 2});
  CHECK_MESSAGE(r.ok(), r.report);
  r = check_loss_gradients(loss, randn({1, 3}, 2), {1});
  CHECK_MESSAGE(r.ok(), r.report);
}

TEST_CASE("SoftmaxCrossEntropy known values") {
  SoftmaxCrossEntropy loss;
  // Row 0: equal logits -> p = 1/4 each, loss log 4. Row 1: logits (0, ln 3): p = (1/4, 3/4); label 1 -> -log(3/4).
  const float l = loss.forward(Tensor{{1.f, 1.f, 1.f, 1.f}, {0.f, std::log(3.f), -INFINITY, -INFINITY}}, {2, 1});
  CHECK(l == doctest::Approx((std::log(4.0) - std::log(0.75)) / 2).epsilon(1e-6));
  CHECK(loss.probabilities()(1, 1) == doctest::Approx(0.75f));
  const Tensor& dz = loss.backward();  // (p - onehot) / N
  CHECK(dz(0, 2) == doctest::Approx((0.25f - 1.f) / 2));
  CHECK(dz(0, 0) == doctest::Approx(0.25f / 2));
  CHECK(dz(1, 0) == doctest::Approx(0.25f / 2));
  CHECK(dz(1, 1) == doctest::Approx((0.75f - 1.f) / 2));
  CHECK(loss.correct() == 1);  // row 0 is a 4-way tie (first wins: class 0, wrong); row 1 right
}

TEST_CASE("SoftmaxCrossEntropy is stable for huge logits") {
  SoftmaxCrossEntropy loss;
  const float l = loss.forward(Tensor{{1e4f, 0.f, -1e4f}, {1e4f, 1e4f, 0.f}}, {1, 0});
  CHECK(std::isfinite(l));
  CHECK(l == doctest::Approx((1e4 + std::log(2.0)) / 2));  // row 0: 1e4 - 0; row 1: log 2
  const Tensor& dz = loss.backward();
  CHECK(xt::all(xt::isfinite(dz)));
  CHECK(dz(1, 0) == doctest::Approx(-0.25f));
}

TEST_CASE("SoftmaxCrossEntropy errors") {
  SoftmaxCrossEntropy loss;
  CHECK_THROWS_WITH_AS(loss.backward(), "SoftmaxCrossEntropy(): backward called before forward", std::logic_error);
  CHECK_THROWS_WITH_AS(loss.forward(xt::zeros<float>({2, 1, 5}), {0, 1}),
                       "SoftmaxCrossEntropy(): expected logits (N, K) with N, K > 0, got (2, 1, 5)", std::invalid_argument);
  CHECK_THROWS_WITH_AS(loss.forward(xt::zeros<float>({2, 5}), {0}),
                       "SoftmaxCrossEntropy(): expected 2 labels for logits (2, 5), got 1", std::invalid_argument);
  CHECK_THROWS_WITH_AS(loss.forward(xt::zeros<float>({2, 5}), {0, 5}),
                       "SoftmaxCrossEntropy(): label 5 at row 1 is outside [0, 5)", std::invalid_argument);
  CHECK_THROWS_WITH_AS(loss.forward(xt::zeros<float>({1, 5}), {-1}), doctest::Contains("label -1 at row 0"),
                       std::invalid_argument);
}

TEST_CASE("SoftmaxCrossEntropy has no hidden state") {
  SoftmaxCrossEntropy loss;
  const Tensor z = randn({3, 4}, 1), keep = z;
  const float a = loss.forward(z, {0, 1, 2});
  loss.backward();
  CHECK(loss.forward(z, {0, 1, 2}) == a);
  CHECK(bit_identical(z, keep));
}

TEST_CASE("SoftmaxCrossEntropy backward over a slice of a larger batch divides by the whole batch") {
  SoftmaxCrossEntropy alone, slice;
  Tensor z = arange({4, 3}, 0.1f);
  alone.forward(z, {0, 1, 2, 1});
  const Tensor whole = alone.backward();
  slice.forward(z, {0, 1, 2, 1});
  const Tensor& part = slice.backward(8);  // these 4 rows are half of a batch of 8
  for (std::size_t i = 0; i < whole.size(); ++i) CHECK(part.data()[i] == doctest::Approx(whole.data()[i] / 2));
  CHECK_THROWS_WITH_AS(slice.backward(3), contains("batch of 3 rows, but the last forward had 4"), std::invalid_argument);
}
