// Throughput of lenet5 in minicnn: per-layer forward/backward times at batch 64, training steps
// per second (batch 64, SGD lr 0.05 momentum 0.9), and inference at batch 1000. Synthetic data,
// so the numbers measure the framework, not the disk. Every figure is the median of --repeats runs.
//   minicnn_bench --threads 1 [--repeats 5] [--batches 200] [--layers]   (--layers adds per-layer, loss and optimiser times)
// Prints "key value" lines that scripts/bench.sh reads.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "minicnn/minicnn.hpp"
#include "minicnn/core/registry.hpp"

using namespace minicnn;
using clock_type = std::chrono::steady_clock;

namespace {
double seconds_since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}
}  // namespace

int main(int argc, char** argv) {
  int threads = 1, repeats = 5, batches = 200;
  bool layers = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (a == "--repeats" && i + 1 < argc) repeats = std::atoi(argv[++i]);
    else if (a == "--batches" && i + 1 < argc) batches = std::atoi(argv[++i]);
    else if (a == "--layers") layers = true;
    else {
      std::fprintf(stderr, "usage: minicnn_bench [--threads N] [--repeats N] [--batches N] [--layers]\n");
      return 2;
    }
  }
  if (threads < 1 || repeats < 1 || batches < 1) {
    std::fprintf(stderr, "minicnn_bench: --threads, --repeats and --batches must be >= 1\n");
    return 2;
  }
  set_num_threads(threads);
  manual_seed(1);
  auto model = build_model("lenet5", {1, 28, 28});
  model->set_needs_input_grad(false);
  SGD opt(model->parameters(), 0.05f, 0.9f);
  SoftmaxCrossEntropy loss;
  const std::size_t B = 64;
  Rng rng(2);
  Tensor x = Tensor::from_shape({B, 1, 28, 28});
  init::normal(x, 0.f, 1.f, rng);
  std::vector<int> labels(B);
  for (std::size_t i = 0; i < B; ++i) labels[i] = static_cast<int>(i % 10);
  auto step = [&] {
    loss.forward(model->forward(x), labels);
    model->backward(loss.backward());
    opt.step();
  };
  for (int i = 0; i < 20; ++i) step();  // warm up: buffers sized, caches and thread pool hot

  std::vector<double> train;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = clock_type::now();
    for (int b = 0; b < batches; ++b) step();
    train.push_back(static_cast<double>(batches) * B / seconds_since(t0));
  }
  std::printf("threads %d\ntrain_images_per_second %.1f\n", threads, median(train));

  model->eval();
  Tensor xi = Tensor::from_shape({1000, 1, 28, 28});
  init::normal(xi, 0.f, 1.f, rng);
  model->forward(xi);
  std::vector<double> infer;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = clock_type::now();
    for (int k = 0; k < 5; ++k) model->forward(xi);
    infer.push_back(5000.0 / seconds_since(t0));
  }
  std::printf("infer_images_per_second %.1f\n", median(infer));

  if (layers) {
    model->train();
    // Per layer at batch 64: median over `batches` calls of forward, and of backward.
    std::vector<Tensor> inputs{x};
    for (std::size_t i = 0; i < model->size(); ++i) inputs.push_back((*model)[i].forward(inputs.back()));
    for (std::size_t i = 0; i < model->size(); ++i) {
      Layer& l = (*model)[i];
      const Tensor dy = xt::ones<float>(inputs[i + 1].shape());
      std::vector<double> f, bw;
      for (int k = 0; k < batches; ++k) {
        auto t0 = clock_type::now();
        l.forward(inputs[i]);
        f.push_back(seconds_since(t0));
        t0 = clock_type::now();
        l.backward(dy);
        bw.push_back(seconds_since(t0));
      }
      std::printf("layer %zu %-62s forward_ms %.4f backward_ms %.4f\n", i, l.name().c_str(), 1e3 * median(f), 1e3 * median(bw));
    }
    std::vector<double> f, bw, st;  // the rest of a step: the loss, and the optimiser's update
    for (int k = 0; k < batches; ++k) {
      auto t0 = clock_type::now();
      loss.forward(inputs.back(), labels);
      f.push_back(seconds_since(t0));
      t0 = clock_type::now();
      loss.backward();
      bw.push_back(seconds_since(t0));
      t0 = clock_type::now();
      opt.step();
      st.push_back(seconds_since(t0));
    }
    std::printf("loss %-63s forward_ms %.4f backward_ms %.4f\n", "SoftmaxCrossEntropy", 1e3 * median(f), 1e3 * median(bw));
    std::printf("step %-63s step_ms %.4f\n", "SGD(momentum=0.9)", 1e3 * median(st));
  }
  return 0;
}
