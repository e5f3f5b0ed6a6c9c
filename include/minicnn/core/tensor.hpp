#pragma once
// The one tensor type of minicnn, and the shape checks every layer uses.
#include <cstddef>
#include <initializer_list>
#include <new>
#include <string>
#include <vector>

#include <xtensor/xarray.hpp>

namespace minicnn {

// Tensor memory starts on a 64-byte cache-line boundary (malloc gives 16), so a 512-bit vector
// load at the start of a row never straddles two cache lines (bench/RESULTS.md has the gain).
template <class T>
struct CacheAligned {
  using value_type = T;
  static constexpr std::align_val_t kAlignment{64};
  CacheAligned() = default;
  template <class U>
  CacheAligned(const CacheAligned<U>&) noexcept {}  // NOLINT: allocators convert implicitly
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlignment)); }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, kAlignment); }
  template <class U>
  struct rebind {
    using other = CacheAligned<U>;
  };
};
template <class T, class U>
bool operator==(const CacheAligned<T>&, const CacheAligned<U>&) { return true; }
template <class T, class U>
bool operator!=(const CacheAligned<T>&, const CacheAligned<U>&) { return false; }

// Dynamic rank, because Sequential chains 4-D (N, C, H, W) and 2-D (N, F) layers.
using Tensor = xt::xarray<float, xt::layout_type::row_major, CacheAligned<float>>;
using Shape = std::vector<std::size_t>;

// A height/width pair that also converts from one number, so Conv2d(1, 6, 5) and
// Conv2d(1, 6, {5, 3}) both read naturally (PyTorch accepts an int or a tuple the same way).
struct Size2 {
  std::size_t h = 0, w = 0;
  Size2() = default;
  Size2(std::size_t hw) : h(hw), w(hw) {}  // NOLINT: implicit on purpose
  Size2(std::size_t h_, std::size_t w_) : h(h_), w(w_) {}
  bool operator==(const Size2& o) const { return h == o.h && w == o.w; }
  bool square() const { return h == w; }
};

// Padding of the four sides of an (H, W) plane, in PyTorch's order (left, right, top, bottom).
// From one number (all sides) or a Size2 (H, W): top = bottom = H, left = right = W.
struct Pads2d {
  std::size_t left = 0, right = 0, top = 0, bottom = 0;
  Pads2d() = default;
  Pads2d(std::size_t p) : left(p), right(p), top(p), bottom(p) {}  // NOLINT: implicit on purpose
  Pads2d(Size2 hw) : left(hw.w), right(hw.w), top(hw.h), bottom(hw.h) {}  // NOLINT: implicit on purpose
  Pads2d(std::size_t l, std::size_t r, std::size_t t, std::size_t b) : left(l), right(r), top(t), bottom(b) {}
  bool operator==(const Pads2d& o) const { return left == o.left && right == o.right && top == o.top && bottom == o.bottom; }
  bool operator!=(const Pads2d& o) const { return !(*this == o); }
  bool zero() const { return *this == Pads2d(); }
  bool symmetric() const { return left == right && top == bottom; }
};
// "1", "(1, 2)" when symmetric (H, W), else "(left, right, top, bottom)": how name() prints it.
std::string pads2d_str(const Pads2d& p);
// "1", "1x2" when symmetric (HxW), else "LxRxTxB": how a spec writes it.
std::string pads2d_spec(const Pads2d& p);

// "(8, 1, 28, 28)"
std::string shape_str(const Shape& shape);
template <class T>
std::string shape_str(const T& shape) {
  return shape_str(Shape(shape.begin(), shape.end()));
}
// "5" for a square pair, "(5, 3)" otherwise; how name() and messages print kernel sizes.
std::string size2_str(Size2 s);
// "5" for a square pair, "5x3" otherwise: how model specs write sizes.
std::string size2_spec(Size2 s);

Shape shape_of(const Tensor& t);

// Throws std::invalid_argument("<who>: expected <what>, got (a, b, c)") unless t.dimension() == rank.
// `who` is a const char* so that the passing case builds no string.
void expect_rank(const Tensor& t, std::size_t rank, const char* who, const char* what);
// Throws std::invalid_argument("<who>: expected shape (..), got (..)") unless the shapes match.
void expect_same_shape(const Tensor& t, const Tensor::shape_type& expected, const char* who);

// Resizes t to shape only when the shape differs, so refilling a buffer in the per-batch
// loop never allocates once shapes are stable. (Tensor::shape_type keeps up to 4 dims inline.)
void ensure_shape(Tensor& t, const Tensor::shape_type& shape);
void ensure_shape(Tensor& t, std::initializer_list<std::size_t> shape);
// dst = src elementwise, reusing dst's memory when the shape already matches.
void copy_into(Tensor& dst, const Tensor& src);
// Frees t's memory: t becomes a default Tensor again (dimension 0), as before its first use.
inline void release(Tensor& t) { t = Tensor(); }

}  // namespace minicnn
