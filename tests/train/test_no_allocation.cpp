// Issue 6: once shapes are stable, a training step (batch, forward, loss, backward, SGD step)
// performs no heap allocation. Every operator new in this test binary is counted.
#include <atomic>
#include <cstdlib>
#include <new>

#include "helpers.hpp"
#include "minicnn/core/registry.hpp"
#include "minicnn/train/train.hpp"

namespace {
std::atomic<long> g_allocations{0};
std::atomic<long> g_aligned_allocations{0};  // tensors' storage (CacheAligned) is aligned
}

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, std::align_val_t a) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  g_aligned_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::aligned_alloc(static_cast<std::size_t>(a), (n + static_cast<std::size_t>(a) - 1) / static_cast<std::size_t>(a) *
                                                                     static_cast<std::size_t>(a)))
    return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return operator new(n, a); }
// The nothrow forms too (std::stable_sort's temporary buffer uses them): every form of new must
// come from here, since every delete below frees with std::free.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  try {
    return operator new(n, a);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t& t) noexcept { return operator new(n, a, t); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

using namespace minicnn;

namespace {

// Allocations in three training steps of the model after a first step has sized every buffer.
long allocations_in_steady_steps(const std::string& spec, int threads) {
  set_num_threads(threads);
  const Dataset d = test::synthetic_dataset(256, 28);
  manual_seed(1);
  auto model = build_model(spec, {1, 28, 28});
  model->set_needs_input_grad(false);
  SGD opt(model->parameters(), 0.05f, 0.9f);
  DataLoader loader(d, 64, true, 1);
  loader.set_epoch(0);
  SoftmaxCrossEntropy loss;
  Tensor x;
  std::vector<int> labels;
  auto step = [&](std::size_t b) {
    loader.load_batch(b, x, labels);
    loss.forward(model->forward(x), labels);
    model->backward(loss.backward());
    opt.step();
  };
  step(0);  // the first batch sizes every buffer
  const long before = g_allocations.load();
  for (std::size_t b = 1; b < 4; ++b) step(b);
  const long during = g_allocations.load() - before;
  set_num_threads(1);
  return during;
}

}  // namespace

TEST_CASE("A lenet5 training step allocates nothing once shapes are stable (1 and 2 threads)") {
  for (int threads : {1, 2}) {
    CAPTURE(threads);
    const long during = allocations_in_steady_steps("lenet5", threads);
    CHECK_MESSAGE(during == 0, during << " heap allocations in 3 training steps after the first");
  }
}

// Residual blocks with both kinds of shortcut, BatchNorm in both branches, the post ReLU and a
// block as the model's first layer (whose dx is skipped): the sums refill their buffers in place.
TEST_CASE("A residual model's training step allocates nothing once shapes are stable (1 and 2 threads)") {
  const std::string spec =
      "res[conv 4 3 pad=1 bias=0, batchnorm, relu, conv 1 3 pad=1](conv 1 1, batchnorm), "
      "conv 8 3 pad=1 bias=0, batchnorm, relu, "
      "res[conv 8 3 pad=1 bias=0, batchnorm, relu, conv 8 3 pad=1 bias=0, batchnorm] post=relu, "
      "res[conv 16 3 stride=2 pad=1 bias=0, batchnorm, relu, conv 16 3 pad=1 bias=0, batchnorm]"
      "(conv 16 1 stride=2 bias=0, batchnorm) post=relu, "
      "seq[globalavgpool, linear 10]";
  for (int threads : {1, 2}) {
    CAPTURE(threads);
    const long during = allocations_in_steady_steps(spec, threads);
    CHECK_MESSAGE(during == 0, during << " heap allocations in 3 training steps after the first");
  }
}

// Layer::output_shape (rule 8): building or importing a model asks every layer for its output
// shape at the full input size, and the answer must cost no tensor. A MobileNet-like and an
// Inception-like model at 224x224, whose activations would be tens of MB.
TEST_CASE("Asking a model for its output shape allocates no tensor, at 224x224") {
  const char* const specs[] = {
      "conv 32 3 stride=2 pad=1, batchnorm, relu6, conv 32 3 pad=1 groups=32, relu6, conv 16 1, "
      "res[conv 96 1, relu6, conv 96 3 pad=1 groups=96, relu6, conv 16 1], maxpool 3 stride=2 pad=1 ceil_mode=1, "
      "adaptiveavgpool 7, dropout p=0.2, flatten, linear 10",
      "pad 1x1x2x2, conv 8 7 stride=2, leakyrelu, cat[conv 4 1][conv 4 1, tanh, conv 6 3 pad=1][avgpool 3 stride=1 pad=1, conv 2 1], "
      "hardtanh min=-1 max=1, globalavgpool, sigmoid, linear 5",
  };
  for (const char* spec : specs) {
    CAPTURE(spec);
    auto model = build_model(spec, {3, 224, 224});
    const long before = g_aligned_allocations.load();
    const Shape out = model->output_shape({4, 3, 224, 224});
    CHECK(g_aligned_allocations.load() - before == 0);
    CHECK(out.size() == 2);
    CHECK(out[0] == 4);
  }
}
