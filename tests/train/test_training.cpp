#include "helpers.hpp"

#include <xtensor/xview.hpp>

using namespace minicnn;
using namespace minicnn::test;

namespace {

// 8x8 images with one bright bar, vertical (label 0) or horizontal (label 1), at a random
// position, on a noisy background.
void make_bars(std::size_t n, std::uint64_t seed, Tensor& x, std::vector<int>& labels) {
  Rng rng(seed);
  x = Tensor::from_shape({n, 1, 8, 8});
  init::normal(x, 0.f, 0.1f, rng);
  labels.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    labels[i] = static_cast<int>(rng.below(2));
    const std::size_t pos = 1 + rng.below(6);
    for (std::size_t k = 0; k < 8; ++k) {
      if (labels[i] == 0) x(i, 0, k, pos) += 1.f;
      else x(i, 0, pos, k) += 1.f;
    }
  }
}

struct Net {
  Sequential model;
  Conv2d* conv = nullptr;
  explicit Net(std::uint64_t seed) {
    manual_seed(seed);
    conv = &model.add<Conv2d>(1, 4, 3, 1, 1);
    model.add<ReLU>();
    model.add<MaxPool2d>(2);
    model.add<Flatten>();
    model.add<Linear>(4 * 4 * 4, 2);
  }
};

// Trains on the bars for up to max_steps full-batch steps; returns the step at which training
// accuracy first reached 100% (or -1).
int train(Net& net, int max_steps, int threads = 1) {
  set_num_threads(threads);
  Tensor x;
  std::vector<int> labels;
  make_bars(64, 99, x, labels);
  SoftmaxCrossEntropy loss;
  SGD opt(net.model.parameters(), 0.1f, 0.9f);
  int reached = -1;
  for (int step = 0; step < max_steps; ++step) {
    loss.forward(net.model.forward(x), labels);
    if (reached < 0 && loss.correct() == labels.size()) reached = step;
    net.model.backward(loss.backward());
    opt.step();
  }
  set_num_threads(1);
  return reached;
}

}  // namespace

TEST_CASE("A small conv net learns vertical vs horizontal bars to 100% training accuracy") {
  Net net(1);
  Tensor x;
  std::vector<int> labels;
  make_bars(64, 99, x, labels);
  SoftmaxCrossEntropy loss;
  const float before = loss.forward(net.model.forward(x), labels);
  const int reached = train(net, 60);
  CHECK(reached >= 0);
  CHECK(reached < 60);
  const float after = loss.forward(net.model.forward(x), labels);
  CHECK(loss.correct() == 64);
  CHECK(after < 0.25f * before);
  // It generalises to fresh bars too, not just the 64 it saw.
  make_bars(200, 12345, x, labels);
  loss.forward(net.model.forward(x), labels);
  CHECK(loss.correct() >= 190);
}

TEST_CASE("Training is bit-identical for the same seed and thread count") {
  for (int threads : {1, 2}) {
    CAPTURE(threads);
    Net a(7), b(7);
    train(a, 20, threads);
    train(b, 20, threads);
    auto pa = a.model.parameters(), pb = b.model.parameters();
    for (std::size_t i = 0; i < pa.size(); ++i) CHECK(bit_identical(pa[i].second->value, pb[i].second->value));
  }
}

TEST_CASE("A frozen hand-set kernel is bit-identical after training while unfrozen ones change") {
  Net net(3);
  const Tensor sobel_x{{-1.f, 0.f, 1.f}, {-2.f, 0.f, 2.f}, {-1.f, 0.f, 1.f}};
  net.conv->set_kernel(0, 0, sobel_x);
  net.conv->weight().frozen = true;  // freezes the whole weight tensor (all 4 kernels)
  const Tensor w0 = net.conv->weight().value, b0 = net.conv->bias().value;
  const Tensor fc0 = net.model.parameters()[2].second->value;
  train(net, 30);
  CHECK(bit_identical(net.conv->weight().value, w0));
  const Tensor k00 = xt::view(net.conv->weight().value, 0, 0);
  CHECK(bit_identical(k00, sobel_x));
  CHECK_FALSE(bit_identical(net.conv->bias().value, b0));  // the conv bias is not frozen
  CHECK_FALSE(bit_identical(net.model.parameters()[2].second->value, fc0));
}
