#include "helpers.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("MaxPool2d backward matches finite differences") {
  MaxPool2d pool(2);
  CHECK_GRADIENTS(pool, distinct({2, 3, 6, 4}, 1));
  MaxPool2d overlapping(3, 2);  // windows share inputs: their gradients must add
  CHECK_GRADIENTS(overlapping, distinct({2, 2, 7, 9}, 2));
  MaxPool2d rect(Size2{2, 3}, Size2{1, 2});
  CHECK_GRADIENTS(rect, distinct({1, 2, 5, 7}, 3));
}

TEST_CASE("MaxPool2d known values on arange") {
  MaxPool2d pool(2);  // stride defaults to the kernel size
  const Tensor& y = pool.forward(arange({1, 1, 4, 4}));
  CHECK(y == Tensor{{{{5.f, 7.f}, {13.f, 15.f}}}});
  const Tensor& dx = pool.backward(Tensor{{{{1.f, 2.f}, {3.f, 4.f}}}});
  Tensor expected = xt::zeros<float>({1, 1, 4, 4});
  expected(0, 0, 1, 1) = 1.f;
  expected(0, 0, 1, 3) = 2.f;
  expected(0, 0, 3, 1) = 3.f;
  expected(0, 0, 3, 3) = 4.f;
  CHECK(dx == expected);
  MaxPool2d odd(2);  // a 5x5 input drops its last row and column, as in PyTorch
  CHECK(odd.forward(arange({1, 1, 5, 5})) == Tensor{{{{6.f, 8.f}, {16.f, 18.f}}}});
}

TEST_CASE("MaxPool2d errors") {
  CHECK_THROWS_WITH_AS(MaxPool2d(0), "MaxPool2d: kernel_size must be > 0, got 0", std::invalid_argument);
  CHECK_THROWS_WITH_AS(MaxPool2d(2, {0, 1}), doctest::Contains("stride must be > 0"), std::invalid_argument);
  MaxPool2d pool(2);
  CHECK_THROWS_WITH_AS(pool.backward(xt::zeros<float>({1, 1, 1, 1})),
                       "MaxPool2d(kernel_size=2, stride=2): backward called before forward", std::logic_error);
  CHECK_THROWS_WITH_AS(pool.forward(xt::zeros<float>({4, 16})),
                       "MaxPool2d(kernel_size=2, stride=2): expected input (N, C, H, W) with every size > 0, got (4, 16)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(pool.forward(xt::zeros<float>({1, 1, 1, 5})),
                       "MaxPool2d(kernel_size=2, stride=2): input (1, 1, 1, 5) is smaller than the window 2",
                       std::invalid_argument);
  pool.forward(xt::zeros<float>({1, 1, 4, 4}));
  CHECK_THROWS_WITH_AS(pool.backward(xt::zeros<float>({1, 1, 4, 4})),
                       "MaxPool2d(kernel_size=2, stride=2): backward expected dy of shape (1, 1, 2, 2), got (1, 1, 4, 4)", std::invalid_argument);
}

TEST_CASE("MaxPool2d has no hidden state") {
  MaxPool2d pool(2);
  check_no_hidden_state(pool, distinct({2, 2, 4, 4}, 5));
}

// The 2x2 stride-2 case has its own (vectorised) kernel; the same windows written as a 2x2 pool
// with stride (2, 2) given as a rectangle take it too, so compare against a plain loop here, on
// widths around the 8-output vector (tails, overlap) and values with many ties and a NaN.
TEST_CASE("MaxPool2d 2x2 kernel matches a plain loop, ties and NaN included") {
  Rng rng(7);
  for (const std::size_t W : {2, 3, 5, 14, 15, 16, 17, 18, 28, 33, 40}) {
    const std::size_t H = 5, OH = H / 2, OW = W / 2;
    Tensor x = Tensor::from_shape({2, 3, H, W});
    for (float& v : x) v = std::floor(rng.uniform() * 4.f);  // 0..3: many ties
    x(1, 2, 0, 1) = std::nanf("");
    MaxPool2d pool(2);
    const Tensor& y = pool.forward(x);
    Tensor dy = Tensor::from_shape(y.shape());
    for (float& v : dy) v = rng.uniform() + 1.f;
    const Tensor& dx = pool.backward(dy);
    Tensor want_dx = xt::zeros<float>(x.shape());
    bool same_y = true;
    for (std::size_t n = 0; n < 2; ++n)
      for (std::size_t c = 0; c < 3; ++c)
        for (std::size_t i = 0; i < OH; ++i)
          for (std::size_t j = 0; j < OW; ++j) {
            std::size_t bi = 2 * i, bj = 2 * j;  // first strict maximum in a, b, c, d order
            for (std::size_t ki = 0; ki < 2; ++ki)
              for (std::size_t kj = 0; kj < 2; ++kj)
                if (x(n, c, 2 * i + ki, 2 * j + kj) > x(n, c, bi, bj)) bi = 2 * i + ki, bj = 2 * j + kj;
            const float want = x(n, c, bi, bj), got = y(n, c, i, j);
            same_y = same_y && (want == got || (std::isnan(want) && std::isnan(got)));
            want_dx(n, c, bi, bj) += dy(n, c, i, j);
          }
    INFO("W = " << W);
    CHECK(same_y);
    CHECK(dx == want_dx);
  }
}
