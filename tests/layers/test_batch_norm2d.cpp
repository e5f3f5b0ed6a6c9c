#include "files.hpp"
#include "helpers.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/core/registry.hpp"

#include <xtensor/xview.hpp>

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("BatchNorm2d backward matches finite differences in training and eval mode") {
  BatchNorm2d bn(3);
  bn.weight().value = Tensor{1.5f, -0.5f, 2.f};
  bn.bias().value = Tensor{0.1f, 0.2f, -0.3f};
  CHECK_GRADIENTS(bn, randn({4, 3, 3, 2}, 1, 2.f));  // training: the batch statistics depend on x
  bn.set_training(false);
  CHECK_GRADIENTS(bn, randn({2, 3, 2, 2}, 2));
}

TEST_CASE("BatchNorm2d known values: normalises each channel, and tracks running statistics") {
  BatchNorm2d bn(2, 1e-5f, 0.5f);
  Tensor x = Tensor::from_shape({2, 2, 1, 2});
  const float vals[] = {1, 3, 10, 10, 5, 7, 20, 40};  // channel 0: 1, 3, 5, 7; channel 1: 10, 10, 20, 40
  std::copy(vals, vals + 8, x.data());
  const Tensor y = bn.forward(x);
  CHECK(y(0, 0, 0, 0) == doctest::Approx(-3.0 / std::sqrt(5.0 + 1e-5)));  // mean 4, biased var 5
  CHECK(xt::mean(xt::view(y, xt::all(), 0))() == doctest::Approx(0.0).scale(1));
  CHECK(bn.running_mean()(0) == doctest::Approx(0.5 * 0 + 0.5 * 4));
  CHECK(bn.running_var()(0) == doctest::Approx(0.5 * 1 + 0.5 * 20.0 / 3));  // unbiased: 5 * 4/3
  CHECK(bn.running_mean()(1) == doctest::Approx(10.f));
  bn.set_training(false);
  const Tensor e = bn.forward(x);  // eval: the running statistics
  CHECK(e(0, 0, 0, 0) == doctest::Approx((1 - 2.0) / std::sqrt(0.5 + 10.0 / 3 + 1e-5)));
  CHECK(bn.buffers()[2].second->size() == 1);
  CHECK((*bn.buffers()[2].second)() == 1.f);  // num_batches_tracked: one training batch
}

TEST_CASE("BatchNorm2d errors, spec, and a checkpoint round trip of its running statistics") {
  CHECK_THROWS_WITH_AS(BatchNorm2d(0), "BatchNorm2d: num_features must be > 0, got 0", std::invalid_argument);
  BatchNorm2d bn(3);
  CHECK_THROWS_WITH_AS(bn.backward(xt::zeros<float>({1, 3, 1, 1})), "BatchNorm2d(3, eps=1e-05, momentum=0.1): backward called before forward",
                       std::logic_error);
  CHECK_THROWS_WITH_AS(bn.forward(xt::zeros<float>({2, 4, 3, 3})),
                       "BatchNorm2d(3, eps=1e-05, momentum=0.1): expected input (N, 3, H, W) with N, H, W > 0, got (2, 4, 3, 3)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(bn.forward(xt::zeros<float>({1, 3, 1, 1})), doctest::Contains("training needs more than one value per channel"),
                       std::invalid_argument);
  bn.set_training(false);
  check_no_hidden_state(bn, randn({2, 3, 2, 2}, 3));

  TempDir dir("bn");
  manual_seed(4);
  auto m = build_model("conv 4 3 pad=1, batchnorm, relu, flatten, linear 3", {1, 5, 5});
  CHECK(m->spec() == "conv 4 3 pad=1, batchnorm, relu, flatten, linear 3");
  m->forward(randn({6, 1, 5, 5}, 5));  // moves the running statistics
  std::vector<std::string> names;
  for (auto& [n, b] : m->buffers()) names.push_back(n);
  CHECK(names == std::vector<std::string>{"1.running_mean", "1.running_var", "1.num_batches_tracked"});
  CheckpointInfo info;
  info.spec = m->spec();
  info.input_shape = {1, 5, 5};
  save_checkpoint(dir / "bn.npz", *m, info);
  auto back = load_model(dir / "bn.npz");
  CHECK(bit_identical(*back->buffers()[0].second, *m->buffers()[0].second));
  CHECK(bit_identical(*back->buffers()[1].second, *m->buffers()[1].second));
  m->eval();
  back->eval();
  const Tensor x = randn({2, 1, 5, 5}, 6);
  const Tensor a = m->forward(x);
  CHECK(bit_identical(back->forward(x), a));
}
