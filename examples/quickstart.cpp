// The README snippet, runnable: build a small CNN, take SGD steps on random data, print the loss.
#include <cstdio>
#include <exception>

#include "minicnn/minicnn.hpp"

int main() try {
  using namespace minicnn;
  manual_seed(1);

  Sequential model;
  Conv2d& conv = model.add<Conv2d>(1, 4, 3, /*stride=*/1, /*padding=*/1);
  conv.set_kernel(0, 0, Tensor{{-1, 0, 1}, {-2, 0, 2}, {-1, 0, 1}});  // a hand-set Sobel-x edge filter
  model.add<ReLU>();
  model.add<MaxPool2d>(2);
  model.add<Flatten>();
  model.add<Linear>(4 * 14 * 14, 10);
  std::printf("%s", model.summary({1, 28, 28}).c_str());

  Tensor x = Tensor::from_shape({8, 1, 28, 28});  // a batch of 8 random "images"
  init::uniform(x, 0.f, 1.f);
  const std::vector<int> labels{0, 1, 2, 3, 4, 5, 6, 7};

  SoftmaxCrossEntropy loss;
  SGD opt(model.parameters(), /*lr=*/0.05f, /*momentum=*/0.9f);
  for (int step = 0; step < 5; ++step) {
    const float l = loss.forward(model.forward(x), labels);  // forward
    model.backward(loss.backward());                          // backward: fills every grad
    opt.step();                                               // update
    std::printf("step %d  loss %.4f\n", step, l);
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "quickstart: %s\n", e.what());
  return 1;
}
