// The one evaluation pass: every image's answer, the loss and the confusion matrix, batch by batch
// within the memory budget, and a data-parallel run's shards adding up to the whole.
#include "helpers.hpp"
#include "minicnn/core/registry.hpp"
#include "minicnn/train/evaluate.hpp"
#include "train/two_classes.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("evaluate: every image's answer, its confidence and the confusion matrix") {
  auto model = left_or_right();
  const Dataset d = two_classes();
  const EvalResult p = evaluate(*model, d, {}, EvalOptions().batch_size(3));  // two batches: 3 + 1
  CHECK(p.predicted == std::vector<int>{0, 1, 0, 1});
  CHECK(p.correct == 3);
  CHECK(p.total == 4);
  CHECK(p.accuracy() == doctest::Approx(0.75));
  CHECK(p.confusion == std::vector<std::vector<std::size_t>>{{1, 0}, {1, 2}});
  CHECK(p.confidence[2] > 0.95f);
  CHECK(p.confidence[2] > p.confidence[0]);  // 250 vs 10 is a surer "left" than 200 vs 10
  REQUIRE(p.batch_losses.size() == 2);
  // The mean loss is the batches' summed losses over the images, and the wrong answer (image 2,
  // in the first batch) costs the most.
  CHECK(p.loss == doctest::Approx((p.batch_losses[0] + p.batch_losses[1]) / 4));
  CHECK(p.batch_losses[0] > 3 * p.batch_losses[1]);
}

TEST_CASE("evaluate: the batch size does not change the answers, and the model's mode is restored") {
  auto model = left_or_right();
  const Dataset d = two_classes();
  model->train();
  const EvalResult one = evaluate(*model, d, {}, EvalOptions().batch_size(1));
  const EvalResult all = evaluate(*model, d, {});
  CHECK(model->training());
  CHECK(one.predicted == all.predicted);
  CHECK(one.confusion == all.confusion);
  CHECK(one.loss == doctest::Approx(all.loss));
}

TEST_CASE("evaluate: shards of a data-parallel run take every world-th batch and add up to the whole") {
  auto model = left_or_right();
  const Dataset d = two_classes();
  const EvalResult whole = evaluate(*model, d, {}, EvalOptions().batch_size(1));
  const EvalResult r0 = evaluate(*model, d, {}, EvalOptions().batch_size(1).rank(0).world(2));
  const EvalResult r1 = evaluate(*model, d, {}, EvalOptions().batch_size(1).rank(1).world(2));
  CHECK(r0.predicted == std::vector<int>{0, -1, 0, -1});  // batches 0 and 2
  CHECK(r1.predicted == std::vector<int>{-1, 1, -1, 1});
  CHECK(r0.total + r1.total == whole.total);
  CHECK(r0.correct + r1.correct == whole.correct);
  for (std::size_t b = 0; b < 4; ++b) CHECK(r0.batch_losses[b] + r1.batch_losses[b] == whole.batch_losses[b]);
  CHECK_THROWS_WITH_AS(evaluate(*model, d, {}, EvalOptions().rank(2).world(2)),
                       "evaluate: rank 2 of 2 processes; expected a rank below the number of processes", std::invalid_argument);
}

TEST_CASE("evaluate: a model whose output does not fit the classes is refused with both shapes") {
  auto model = build_model("flatten, linear 3", {1, 2, 2}, 3);
  CHECK_THROWS_WITH_AS(evaluate(*model, two_classes(), {}),
                       "evaluate: the model outputs (4, 3) but tiny test has 2 classes; expected (N, 2)", std::invalid_argument);
}

TEST_CASE("The evaluation batch stays within its memory budget: lenet5 keeps 1000, wide colour nets get fewer") {
  auto lenet = build_model(expand_preset("lenet5", 10), {1, 28, 28});
  CHECK(eval_batch_size(*lenet, {1, 28, 28}) == 1000);
  // convnet-rgb: a 32x32 conv layer of 32 channels alone unfolds 288 x 1024 floats per image, so
  // a batch of 1000 would hold gigabytes.
  auto rgb = build_model(expand_preset("convnet-rgb", 4), {3, 32, 32});
  const std::size_t b = eval_batch_size(*rgb, {3, 32, 32});
  CHECK(b >= 16);
  CHECK(b <= 200);
  // The nested layers of residual blocks count too: more layers, a smaller batch.
  auto res = build_model(expand_preset("resnet-mini", 4), {3, 32, 32});
  CHECK(eval_batch_size(*res, {3, 32, 32}) < b);
  CHECK(eval_batch_size(*rgb, {3, 32, 32}, 1) == 1);  // never zero
}
