// Training on real MNIST. scripts/test.sh fetches it (scripts/get-mnist.sh) before running the suite;
// a missing dataset fails here with the command that fixes it, rather than skipping silently.
#include <algorithm>

#include "helpers.hpp"
#include "minicnn/core/registry.hpp"
#include "minicnn/train/train.hpp"

using namespace minicnn;

namespace {

// The answers to every test image computed apart from evaluate(): one forward pass of the whole
// set, the largest logit of each row.
std::vector<int> argmax_of_logits(Sequential& model, const Dataset& test, const Normalization& norm) {
  const TrainingModeGuard eval(model, false);
  Tensor x;
  std::vector<int> labels, answers;
  DataLoader(test, test.size(), false, 0, norm).load_batch(0, x, labels);
  const Tensor& z = model.forward(x);
  const std::size_t K = z.shape(1);
  for (std::size_t i = 0; i < test.size(); ++i)
    answers.push_back(static_cast<int>(std::max_element(z.data() + i * K, z.data() + (i + 1) * K) - (z.data() + i * K)));
  return answers;
}

}  // namespace

TEST_CASE("lenet5 trained one epoch on 5000 MNIST images scores at least 90% on 1000 test images") {
  const std::string dir = std::string(MINICNN_SOURCE_DIR) + "/data/mnist";
  Dataset train = load_mnist(dir, "train"), test = load_mnist(dir, "test");  // throws "run scripts/get-mnist.sh"
  REQUIRE(train.size() == 60000);
  REQUIRE(test.size() == 10000);
  truncate(train, 5000);
  truncate(test, 1000);
  set_num_threads(2);
  manual_seed(1);
  auto model = build_model("lenet5", {1, 28, 28});
  SGD opt(model->parameters(), 0.05f, 0.9f);
  const Normalization norm = compute_normalization(train);
  DataLoader loader(train, 32, true, 1, norm);  // 157 steps: 92.7-94.3% over seeds 1-3 (batch 64: 86-90%)
  Trainer trainer(*model, opt, loader);
  LrSchedule cosine;
  cosine.kind = LrSchedule::Kind::cosine;
  cosine.base_lr = 0.05f;
  cosine.epochs = 1;
  trainer.set_schedule(cosine);
  const EvalResult before = evaluate(*model, test, norm);
  const EpochReport rep = trainer.run_epoch(0);
  const EvalResult after = evaluate(*model, test, norm);
  MESSAGE("test accuracy " << 100 * before.accuracy() << "% -> " << 100 * after.accuracy() << "% (train loss "
                           << rep.train_loss << ", " << rep.images_per_second << " images/s)");
  CHECK(before.accuracy() < 0.3);
  CHECK(after.accuracy() >= 0.90);
  // The confusion matrix against what evaluate() did not compute: each row adds up to its class's
  // count in the labels, and its diagonal holds the images whose largest logit is their label.
  const std::vector<int> answers = argmax_of_logits(*model, test, norm);
  set_num_threads(1);
  CHECK(after.predicted == answers);
  for (std::size_t c = 0; c < 10; ++c) {
    std::size_t in_class = 0, right = 0, row = 0;
    for (std::size_t i = 0; i < test.size(); ++i)
      if (test.labels[i] == static_cast<int>(c)) ++in_class, right += answers[i] == test.labels[i];
    for (const std::size_t v : after.confusion[c]) row += v;
    CHECK_MESSAGE(row == in_class, "class " << c);
    CHECK_MESSAGE(after.confusion[c][c] == right, "class " << c);
  }
}
