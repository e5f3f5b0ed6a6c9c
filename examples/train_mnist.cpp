// The whole training loop in the C++ API: MNIST, lenet5, SGD with momentum, test accuracy per epoch.
//   train_mnist [DATA_DIR] [TRAIN_IMAGES] [EPOCHS]     (defaults: data/mnist, all 60000, 3)
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "minicnn/minicnn.hpp"
#include "minicnn/core/registry.hpp"
#include "minicnn/train/train.hpp"

int main(int argc, char** argv) try {
  using namespace minicnn;
  const std::string dir = argc > 1 ? argv[1] : "data/mnist";
  const std::size_t limit = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 0;
  const std::size_t epochs = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 3;

  Dataset train = load_mnist(dir, "train"), test = load_mnist(dir, "test");
  truncate(train, limit);
  const Normalization norm = compute_normalization(train);  // zero mean, unit variance inputs

  manual_seed(1);
  auto model = build_model("lenet5", {1, 28, 28});
  std::printf("%s", model->summary({1, 28, 28}).c_str());
  SGD opt(model->parameters(), /*lr=*/0.05f, /*momentum=*/0.9f);
  SoftmaxCrossEntropy loss;
  DataLoader loader(train, /*batch_size=*/64, /*shuffle=*/true, /*seed=*/1, norm);
  model->set_needs_input_grad(false);  // nobody needs d(loss)/d(pixels)

  Tensor x;
  std::vector<int> labels;
  for (std::size_t epoch = 0; epoch < epochs; ++epoch) {
    model->train();
    loader.set_epoch(epoch);  // a new shuffle, fixed by (seed, epoch)
    double total = 0;
    for (std::size_t b = 0; b < loader.num_batches(); ++b) {
      loader.load_batch(b, x, labels);
      total += loss.forward(model->forward(x), labels);  // forward
      model->backward(loss.backward());                   // backward: every Parameter::grad
      opt.step();                                         // update
    }
    const EvalResult ev = evaluate(*model, test, norm);  // eval mode, batches of 1000
    std::printf("epoch %zu: train loss %.4f, test accuracy %.2f%%\n", epoch + 1, total / loader.num_batches(),
                100 * ev.accuracy());
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "train_mnist: %s\n", e.what());
  return 1;
}
