#pragma once
// Shared test helpers: deterministic inputs and the gradient-check assertion.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "minicnn/data/dataset.hpp"
#include "minicnn/minicnn.hpp"

namespace minicnn::test {

// doctest::Contains for a std::string built at run time (it copies the text).
inline doctest::Contains contains(const std::string& text) { return doctest::Contains(text.c_str()); }

// 0, 1, 2, ... in row-major order, times scale.
inline Tensor arange(const Shape& shape, float scale = 1.f) {
  Tensor t = Tensor::from_shape(shape);
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = static_cast<float>(i) * scale;
  return t;
}

inline Tensor randn(const Shape& shape, std::uint64_t seed, float stddev = 1.f) {
  Rng rng(seed);
  Tensor t = Tensor::from_shape(shape);
  init::normal(t, 0.f, stddev, rng);
  return t;
}

// Moves values with |v| < margin away from 0, so a finite difference never straddles ReLU's kink.
inline Tensor away_from_zero(Tensor t, float margin) {
  for (auto& v : t)
    if (std::abs(v) < margin) v = v < 0 ? -margin : margin;
  return t;
}

// A random permutation of distinct values spaced by `gap`: every max-pool window has a clear winner.
inline Tensor distinct(const Shape& shape, std::uint64_t seed, float gap = 0.1f) {
  Tensor t = arange(shape, gap);
  Rng rng(seed);
  for (std::size_t i = t.size(); i > 1; --i) std::swap(t.data()[i - 1], t.data()[rng.below(i)]);
  return t;
}

inline float max_abs_diff(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  float m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a.data()[i] - b.data()[i]));
  return m;
}

inline bool bit_identical(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::equal(a.data(), a.data() + a.size(), b.data(), [](float x, float y) {
           return std::memcmp(&x, &y, sizeof x) == 0;
         });
}

// n square images of side x side with labels i % 10 and deterministic, varied pixel bytes.
inline Dataset synthetic_dataset(std::size_t n, std::size_t side) {
  Dataset d;
  d.name = "synthetic";
  d.rows = d.cols = side;
  d.classes = digit_classes();
  for (std::size_t i = 0; i < n; ++i) {
    d.labels.push_back(static_cast<int>(i % 10));
    for (std::size_t k = 0; k < side * side; ++k) d.pixels.push_back(static_cast<std::uint8_t>((i * 31 + k * 7) % 256));
  }
  return d;
}

// Two forwards of the same input give the same output (with a backward between them), and
// neither pass changes the caller's x.
inline void check_no_hidden_state(Layer& layer, const Tensor& x, std::uint64_t seed = 1) {
  const Tensor keep = x;
  const Tensor y1 = layer.forward(x);
  layer.backward(randn(shape_of(y1), seed));
  const Tensor y2 = layer.forward(x);
  CHECK_MESSAGE(bit_identical(y1, y2), layer.name());
  CHECK_MESSAGE(bit_identical(x, keep), layer.name());
}

// A (1, 1) tensor: a 2-D weight, which weight decay applies to.
inline Tensor m11(float v) {
  Tensor t = Tensor::from_shape({1, 1});
  t(0, 0) = v;
  return t;
}
// A parameter with the given value and gradient, for optimiser tests.
inline Parameter param(Tensor v, Tensor g) {
  Parameter p;
  p.value = std::move(v);
  p.grad = std::move(g);
  return p;
}

// Pixels darker than light grey in a rectangle of an RGB image: text or drawing is there.
inline std::size_t ink_in(const Image& img, std::size_t x0, std::size_t y0, std::size_t w, std::size_t h) {
  std::size_t n = 0;
  for (std::size_t y = y0; y < y0 + h && y < img.height; ++y)
    for (std::size_t x = x0; x < x0 + w && x < img.width; ++x) n += img.pixels[(y * img.width + x) * img.channels] < 160;
  return n;
}

// The kernel paths that compute differently from the reference: everything this CPU runs but it.
inline std::vector<KernelPath> fast_paths() {
  std::vector<KernelPath> paths;
  for (const KernelPath p : supported_kernel_paths())
    if (p != KernelPath::reference) paths.push_back(p);
  return paths;
}

struct UsePath {  // sets a kernel path for one scope
  KernelPath before = kernel_path();
  explicit UsePath(KernelPath p) { set_kernel_path(p); }
  ~UsePath() { set_kernel_path(before); }
};

}  // namespace minicnn::test

#define CHECK_GRADIENTS(layer, ...)                                          \
  do {                                                                       \
    const auto gc_result_ = ::minicnn::check_gradients((layer), __VA_ARGS__); \
    CHECK_MESSAGE(gc_result_.ok(), gc_result_.report);                       \
  } while (0)
