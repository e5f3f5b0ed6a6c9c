#include "helpers.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("Linear backward matches finite differences") {
  manual_seed(1);
  Linear fc(5, 3);
  CHECK_GRADIENTS(fc, randn({4, 5}, 1));
  Linear single(7, 1, false);
  CHECK_GRADIENTS(single, randn({1, 7}, 2));
}

TEST_CASE("Linear known values: y = x W^T + b") {
  Linear fc(3, 2);
  fc.weight().value = Tensor{{1.f, 2.f, 3.f}, {-1.f, 0.f, 1.f}};
  fc.bias().value = Tensor{0.5f, -0.5f};
  const Tensor& y = fc.forward(Tensor{{1.f, 1.f, 1.f}, {0.f, 1.f, 2.f}});
  CHECK(y == Tensor{{6.5f, -0.5f}, {8.5f, 1.5f}});
  fc.backward(Tensor{{1.f, 0.f}, {0.f, 1.f}});
  CHECK(fc.weight().grad == Tensor{{1.f, 1.f, 1.f}, {0.f, 1.f, 2.f}});
  CHECK(fc.bias().grad == Tensor{1.f, 1.f});
}

TEST_CASE("Linear default init is PyTorch's: U(-1/sqrt(in), 1/sqrt(in))") {
  manual_seed(2);
  Linear fc(400, 120);
  const float bound = 1.f / 20.f;
  CHECK(xt::amax(xt::abs(fc.weight().value))() <= bound);
  CHECK(xt::amax(xt::abs(fc.bias().value))() <= bound);
  CHECK(xt::amax(fc.weight().value)() > 0.9f * bound);  // it does fill the range
}

TEST_CASE("Linear errors") {
  CHECK_THROWS_WITH_AS(Linear(0, 3), "Linear: in_features and out_features must be > 0, got 0 and 3",
                       std::invalid_argument);
  Linear fc(400, 10);
  CHECK_THROWS_WITH_AS(fc.forward(xt::zeros<float>({8, 16, 5, 5})),
                       "Linear(in_features=400, out_features=10, bias=True): expected input (N, 400) with N > 0, got "
                       "(8, 16, 5, 5) (add a Flatten before it?)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(fc.backward(xt::zeros<float>({8, 10})),
                       "Linear(in_features=400, out_features=10, bias=True): backward called before forward",
                       std::logic_error);
  fc.forward(xt::zeros<float>({8, 400}));
  CHECK_THROWS_WITH_AS(fc.backward(xt::zeros<float>({8, 400})),
                       "Linear(in_features=400, out_features=10, bias=True): backward expected dy of shape (8, 10), got (8, 400)", std::invalid_argument);
}

TEST_CASE("Linear has no hidden state") {
  manual_seed(3);
  Linear fc(6, 4);
  check_no_hidden_state(fc, randn({3, 6}, 1));
}

// The chunks after the first sum into scratch of out x in + out values (dW, then db): a layer with
// more outputs than inputs (ResNet-18's 512 -> 1000 head) once wrote db past a (out + 1, in) buffer.
TEST_CASE("Linear with more outputs than inputs: the same gradients on 1 and 2 threads") {
  manual_seed(6);
  Linear fc(3, 40);
  const Tensor x = randn({9, 3}, 4), dy = randn({9, 40}, 5);
  auto run = [&](int threads) {
    set_num_threads(threads);
    fc.forward(x);
    const Tensor dx = fc.backward(dy);
    return std::vector<Tensor>{dx, fc.weight().grad, fc.bias().grad};
  };
  const auto one = run(1), two = run(2);
  set_num_threads(1);
  for (std::size_t i = 0; i < one.size(); ++i) CHECK(max_abs_diff(one[i], two[i]) < 1e-5f);
  CHECK(max_abs_diff(fc.bias().grad, xt::sum(dy, {0})) < 1e-5f);
}
