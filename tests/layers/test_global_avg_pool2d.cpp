#include "helpers.hpp"
#include "minicnn/core/registry.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("GlobalAvgPool2d backward matches finite differences") {
  GlobalAvgPool2d g;
  CHECK_GRADIENTS(g, randn({2, 3, 4, 5}, 1));
}

TEST_CASE("GlobalAvgPool2d known values, shapes, errors and no hidden state") {
  GlobalAvgPool2d g;
  const Tensor& y = g.forward(arange({1, 2, 2, 2}));
  CHECK(y == Tensor{{1.5f, 5.5f}});
  CHECK(g.backward(Tensor{{4.f, 8.f}}) == Tensor{{{{1.f, 1.f}, {1.f, 1.f}}, {{2.f, 2.f}, {2.f, 2.f}}}});
  auto m = build_model("conv 8 3, globalavgpool, linear 10", {1, 6, 6});
  CHECK(m->output_shapes({1, 6, 6})[1] == Shape{8});
  GlobalAvgPool2d fresh;
  CHECK_THROWS_WITH_AS(fresh.backward(Tensor{1.f}), "GlobalAvgPool2d(): backward called before forward", std::logic_error);
  CHECK_THROWS_WITH_AS(g.forward(xt::zeros<float>({2, 3})),
                       "GlobalAvgPool2d(): expected input (N, C, H, W) with every size > 0, got (2, 3)", std::invalid_argument);
  check_no_hidden_state(g, randn({2, 2, 3, 3}, 2));
}
