// Throughput of a model in minicnn: training steps per second (batch 64, SGD lr 0.05 momentum
// 0.9) and inference (batch 1000 for lenet5, 256 for the 32x32 colour models), optionally per-layer
// forward/backward times. Training goes through a rotating set of 16 real batches (the first 1024
// MNIST training images for lenet5, read from --data DIR, default data/mnist; the first 1024
// images of the generated shapes set for the colour models), normalised as `minicnn train` does:
// one memorised batch would let a long run settle into a state real training never reaches (SGD
// momentum decaying into denormals). The data is loaded before the clock starts, so the numbers
// measure the framework, not the disk. --write-data PREFIX saves the same batches as
// PREFIX-x.npy (float32, (1024, C, H, W)) and PREFIX-y.npy (uint8) for bench/torch_models.py.
// Every figure is the median of --repeats runs; a run is --batches steps, or by default as many
// as take about half a second.
//   minicnn_bench [--model lenet5|convnet-rgb|resnet-mini] [--threads N] [--repeats 5] [--batches N]
//                 [--train-only] [--layers] [--data DIR] [--write-data PREFIX] [--ftz] [--onnx FILE]
// --ftz sets flush-to-zero and denormals-are-zero (x86's MXCSR) before any thread starts, for
// measuring whether denormals cost anything (the pool's threads inherit the setting).
// --onnx FILE benchmarks an imported model instead (resnet18, mobilenet_v2 at 224x224, as
// scripts/bench.sh exports them): fine-tuning the head alone (every layer before the last one with
// weights frozen, frozen BatchNorm in eval mode, as `minicnn train --freeze-until` runs it) at
// batch 16, and inference at batch 16, on 4 batches of random images and labels.
// Prints "key value" lines that scripts/bench.sh reads; exits 3 if this build lacks the model.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "minicnn/core/registry.hpp"
#include "minicnn/data/datasets.hpp"
#include "minicnn/data/shapes.hpp"
#include "minicnn/io/atomic_file.hpp"
#include "minicnn/io/npy.hpp"
#include "minicnn/io/onnx.hpp"
#include "minicnn/train/transfer.hpp"
#include "minicnn/minicnn.hpp"

// Declared by hand: <cblas.h> and xtensor-blas declare the same functions differently, so the
// two clash in one file (docs/STYLE.md, "Dependencies").
extern "C" char* openblas_get_corename(void);

using namespace minicnn;
using clock_type = std::chrono::steady_clock;

namespace {
double seconds_since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

// Median over `repeats` runs of `count` calls of f, in items per second (`items` per call).
// Every run's rate goes to *runs when given.
template <class F>
double rate(int repeats, int count, double items, F f, std::vector<double>* runs = nullptr) {
  std::vector<double> r;
  for (int k = 0; k < repeats; ++k) {
    const auto t0 = clock_type::now();
    for (int i = 0; i < count; ++i) f();
    r.push_back(count * items / seconds_since(t0));
  }
  if (runs) *runs = r;
  return median(r);
}

// Enough calls of f for about `seconds`, judged from `probe` calls (at least 3).
template <class F>
int calls_for(double seconds, int probe, F f) {
  const auto t0 = clock_type::now();
  for (int i = 0; i < probe; ++i) f();
  return std::max(3, static_cast<int>(seconds * probe / seconds_since(t0)));
}

// Per layer at the training batch: median over `count` calls of forward, and of backward.
void print_layers(Sequential& model, const Tensor& x, const std::vector<int>& labels, SoftmaxCrossEntropy& loss,
                  Optimizer& opt, int count) {
  model.train();
  std::vector<Tensor> inputs{x};
  for (std::size_t i = 0; i < model.size(); ++i) inputs.push_back(model[i].forward(inputs.back()));
  for (std::size_t i = 0; i < model.size(); ++i) {
    Layer& l = model[i];
    const Tensor dy = xt::ones<float>(inputs[i + 1].shape());
    std::vector<double> f, bw;
    for (int k = 0; k < count; ++k) {
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
  for (int k = 0; k < count; ++k) {
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
// An imported model: its head fine-tuned (the rest frozen) and its inference, at batch 16.
int bench_onnx(const std::string& path, int threads, int repeats, int batches, bool train_only) {
  if (!onnx_available()) {
    std::fprintf(stderr, "minicnn_bench: %s\n", onnx_missing_message().c_str());
    return 3;
  }
  set_num_threads(threads);
  OnnxImport m = import_onnx(path);
  Sequential& model = *m.model;
  std::size_t head = 0;  // the last top-level layer with weights
  for (std::size_t i = 0; i < model.size(); ++i)
    if (!model[i].parameters().empty()) head = i;
  const NamedLayers layers = named_layers(model);
  std::string before_head;  // the last layer path before the head
  for (const auto& [p, l] : layers)
    if (p == std::to_string(head)) break;
    else before_head = p;
  const FreezeCounts frozen = freeze_until(model, before_head);
  const std::size_t B = 16, K = 4;
  Shape batch{B};
  batch.insert(batch.end(), m.input_shape.begin(), m.input_shape.end());
  const std::size_t classes = sample_output_shape(model, m.input_shape).at(0);
  Rng rng(2);
  std::vector<Tensor> xs;
  std::vector<std::vector<int>> ys(K);
  for (std::size_t k = 0; k < K; ++k) {
    xs.push_back(Tensor::from_shape(batch));
    init::normal(xs.back(), 0.f, 1.f, rng);
    for (std::size_t i = 0; i < B; ++i) ys[k].push_back(static_cast<int>(rng.below(classes)));
  }
  model.train();
  keep_frozen_layers_in_eval(model);  // frozen BatchNorm keeps its running statistics, as minicnn train runs it
  model.set_needs_input_grad(false);
  SGD opt(model.parameters(), 0.05f, 0.9f);
  SoftmaxCrossEntropy loss;
  std::size_t turn = 0;
  auto step = [&] {
    const std::size_t k = turn++ % K;
    loss.forward(model.forward(xs[k]), ys[k]);
    model.backward(loss.backward());
    opt.step();
  };
  std::printf("model %s\nthreads %d\nkernels %s\nopenblas_core %s\n", path.c_str(), threads, kernel_path_name(kernel_path()),
              openblas_get_corename());
  std::printf("fine_tuned head: layer %zu (%zu parameters trained, %zu frozen)\n", head, frozen.trainable, frozen.frozen);
  for (int i = 0; i < 2; ++i) step();
  const int steps = batches > 0 ? batches : calls_for(0.5, 2, step);
  std::printf("train_images_per_second %.1f\n", rate(repeats, steps, B, step));
  if (!train_only) {
    model.eval();
    auto infer = [&] { model.forward(xs[0]); };
    infer();
    const int calls = batches > 0 ? batches : calls_for(0.5, 2, infer);
    std::printf("infer_images_per_second %.1f\n", rate(repeats, calls, B, infer));
  }
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  std::string model_name = "lenet5";
  int threads = 1, repeats = 5, batches = 0;
  bool layers = false, train_only = false, ftz = false;
  std::string data_dir = "data/mnist", write_data, onnx_path;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--model" && i + 1 < argc) model_name = argv[++i];
    else if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (a == "--repeats" && i + 1 < argc) repeats = std::atoi(argv[++i]);
    else if (a == "--batches" && i + 1 < argc) batches = std::atoi(argv[++i]);
    else if (a == "--layers") layers = true;
    else if (a == "--train-only") train_only = true;
    else if (a == "--data" && i + 1 < argc) data_dir = argv[++i];
    else if (a == "--write-data" && i + 1 < argc) write_data = argv[++i];
    else if (a == "--ftz") ftz = true;
    else if (a == "--onnx" && i + 1 < argc) onnx_path = argv[++i];
    else {
      std::fprintf(stderr, "usage: minicnn_bench [--model NAME] [--threads N] [--repeats N] [--batches N] [--train-only] [--layers] "
                           "[--data DIR] [--write-data PREFIX] [--ftz] [--onnx FILE]\n");
      return 2;
    }
  }
  if (threads < 1 || repeats < 1 || batches < 0) {
    std::fprintf(stderr, "minicnn_bench: --threads and --repeats must be >= 1, --batches >= 0\n");
    return 2;
  }
  if (!onnx_path.empty()) {
    try {
      return bench_onnx(onnx_path, threads, repeats, batches, train_only);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "minicnn_bench: %s\n", e.what());
      return 2;
    }
  }
  const std::vector<std::string> names = preset_names();
  if (std::find(names.begin(), names.end(), model_name) == names.end()) {
    std::fprintf(stderr, "minicnn_bench: this build has no preset '%s'\n", model_name.c_str());
    return 3;
  }
  const bool colour = model_name != "lenet5";
  const std::size_t C = colour ? 3 : 1, HW = colour ? 32 : 28, B = 64, B_infer = colour ? 256 : 1000, K = 16;

  // K different real batches, taken in turn.
  Dataset data;
  try {
    data = colour ? make_shapes(K * B, HW) : load_mnist(data_dir, "train");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "minicnn_bench: %s (lenet5 trains on MNIST: --data DIR, default data/mnist)\n", e.what());
    return 2;
  }
  truncate(data, K * B);
  DataLoader loader(data, B, false, 0, compute_normalization(data));
  std::vector<Tensor> xs(K);
  std::vector<std::vector<int>> ys(K);
  for (std::size_t k = 0; k < K; ++k) loader.load_batch(k, xs[k], ys[k]);
  if (!write_data.empty()) {
    Tensor all = Tensor::from_shape({K * B, C, HW, HW});
    std::vector<std::uint8_t> labels_all;
    for (std::size_t k = 0; k < K; ++k) {
      std::copy(xs[k].data(), xs[k].data() + xs[k].size(), all.data() + k * xs[k].size());
      for (int l : ys[k]) labels_all.push_back(static_cast<std::uint8_t>(l));
    }
    const std::string bx = npy_bytes(all), by = npy_bytes(labels_all);
    write_file_atomic(write_data + "-x.npy", bx.data(), bx.size(), false);
    write_file_atomic(write_data + "-y.npy", by.data(), by.size(), false);
  }

  if (ftz) {
#if defined(__SSE__)
    _mm_setcsr(_mm_getcsr() | 0x8040);  // FTZ (bit 15) and DAZ (bit 6)
#else
    std::fprintf(stderr, "minicnn_bench: --ftz is for x86 only\n");
    return 2;
#endif
  }
  set_num_threads(threads);
  manual_seed(1);
  auto model = build_model(model_name, {C, HW, HW});
  model->set_needs_input_grad(false);
  SGD opt(model->parameters(), 0.05f, 0.9f);
  SoftmaxCrossEntropy loss;
  Rng rng(2);
  std::size_t turn = 0;
  auto step = [&] {
    const std::size_t k = turn++ % K;
    loss.forward(model->forward(xs[k]), ys[k]);
    model->backward(loss.backward());
    opt.step();
  };
  std::printf("model %s\nthreads %d\nkernels %s\nopenblas_core %s\ndata %s, %zu batches in turn\n", model_name.c_str(),
              threads, kernel_path_name(kernel_path()), openblas_get_corename(), data.name.c_str(), K);
  // Warm up (buffers sized, caches and threads hot), and time a few steps to size the runs.
  for (int i = 0; i < 5; ++i) step();
  const int steps = batches > 0 ? batches : calls_for(0.5, 5, step);
  std::vector<double> runs;
  std::printf("train_images_per_second %.1f\n", rate(repeats, steps, B, step, &runs));
  std::printf("train_runs");  // in order: a long run's drift shows here
  for (double r : runs) std::printf(" %.0f", r);
  std::printf("\nftz %s\n", ftz ? "on" : "off");
  // Denormals left in the parameters, their gradients and SGD's momentum buffers after the runs
  // (how near a long run drifts towards them: where they appear, operations on them are many
  // times slower).
  std::size_t subnormal = 0, values = 0;
  auto count = [&](const Tensor& t) {
    values += t.size();
    for (float v : t) subnormal += std::fpclassify(v) == FP_SUBNORMAL;
  };
  for (auto& [name, p] : model->parameters()) count(p->value), count(p->grad);
  for (auto& [name, t] : opt.state()) count(*t);
  std::printf("subnormal_parameter_values %zu of %zu\n", subnormal, values);

  if (!train_only) {
    model->eval();
    Tensor xi = Tensor::from_shape({B_infer, C, HW, HW});
    init::normal(xi, 0.f, 1.f, rng);
    auto infer = [&] { model->forward(xi); };
    infer();
    const int calls = batches > 0 ? std::max(1, batches / 40) : calls_for(0.5, 2, infer);
    std::printf("infer_images_per_second %.1f\n", rate(repeats, calls, B_infer, infer));
  }
  if (layers) print_layers(*model, xs[0], ys[0], loss, opt, steps);
  return 0;
}
