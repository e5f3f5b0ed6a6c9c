#include "helpers.hpp"

using namespace minicnn;

TEST_CASE("shape helpers format and check shapes") {
  CHECK(shape_str(Shape{8, 1, 28, 28}) == "(8, 1, 28, 28)");
  CHECK(shape_str(Shape{}) == "()");
  CHECK(size2_str(5) == "5");
  CHECK(size2_str({5, 3}) == "(5, 3)");
  CHECK(size2_spec({5, 3}) == "5x3");
  const Tensor t = xt::zeros<float>({2, 3});
  CHECK_NOTHROW(expect_rank(t, 2, "L", "(N, F)"));
  CHECK_THROWS_WITH_AS(expect_rank(t, 4, "Conv2d", "input (N, C, H, W)"),
                       "Conv2d: expected input (N, C, H, W), got (2, 3)", std::invalid_argument);
  CHECK_THROWS_WITH_AS(expect_same_shape(t, {3, 2}, "dy"), "dy: expected shape (3, 2), got (2, 3)",
                       std::invalid_argument);
}

TEST_CASE("ensure_shape and copy_into reuse memory when the shape is unchanged") {
  Tensor t = xt::zeros<float>({4, 5});
  const float* before = t.data();
  ensure_shape(t, {4, 5});
  CHECK(t.data() == before);
  copy_into(t, xt::ones<float>({4, 5}));
  CHECK(t.data() == before);
  CHECK(t(3, 4) == 1.f);
  ensure_shape(t, {2, 2});
  CHECK(t.shape() == Tensor::shape_type{2, 2});
}
