#include "minicnn/layers/avg_pool2d.hpp"
#include "minicnn/core/registry.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/parallel.hpp"
#include "kernels/pool_geometry.hpp"

namespace minicnn {

AvgPool2d::AvgPool2d(Size2 kernel_size, Size2 stride, Pads2d padding, bool ceil_mode, bool count_include_pad)
    : k_(kernel_size), s_(pool_stride("AvgPool2d", kernel_size, stride)), p_(padding), ceil_(ceil_mode),
      include_pad_(count_include_pad) {
  pool_check_padding("AvgPool2d", k_, 1, p_);
}

std::string AvgPool2d::name() const {
  return pool_name("AvgPool2d", k_, s_, p_, 1, ceil_) + (include_pad_ ? "" : ", count_include_pad=False") + ")";
}

std::string AvgPool2d::spec() const {
  return pool_spec("avgpool", k_, s_, p_, 1, ceil_) + (include_pad_ ? "" : " count_include_pad=0");
}

namespace {
// Rows [h0, h1) of window i inside the input (H rows), and its size in the padded input, which
// with ceil_mode may end past it: the window is clipped to the bottom padding, as PyTorch does.
struct Span {
  std::size_t h0, h1, padded;
};
inline Span span(std::size_t i, std::size_t k, std::size_t s, std::size_t pad0, std::size_t pad1, std::size_t H) {
  const std::ptrdiff_t start = static_cast<std::ptrdiff_t>(i * s) - static_cast<std::ptrdiff_t>(pad0);
  const std::ptrdiff_t end = std::min(start + static_cast<std::ptrdiff_t>(k), static_cast<std::ptrdiff_t>(H + pad1));
  const std::ptrdiff_t h0 = std::max<std::ptrdiff_t>(start, 0), h1 = std::min(end, static_cast<std::ptrdiff_t>(H));
  return {static_cast<std::size_t>(h0), static_cast<std::size_t>(h1), static_cast<std::size_t>(end - start)};
}
}  // namespace

Shape AvgPool2d::output_shape(const Shape& in) {
  std::size_t OH, OW;
  pool_output_hw(*this, in, k_, s_, 1, p_, ceil_, OH, OW);
  return {in[0], in[1], OH, OW};
}

const Tensor& AvgPool2d::forward(const Tensor& x) {
  std::size_t OH, OW;
  pool_output_hw(*this, x.shape(), k_, s_, 1, p_, ceil_, OH, OW);
  const std::size_t N = x.shape(0), C = x.shape(1), H = x.shape(2), W = x.shape(3);
  x_shape_ = x.shape();
  ensure_shape(y_, {N, C, OH, OW});
  parallel_for(N * C, [&](std::size_t p0, std::size_t p1, int) {
    for (std::size_t p = p0; p < p1; ++p) {
      const float* xp = x.data() + p * H * W;
      float* yp = y_.data() + p * OH * OW;
      for (std::size_t i = 0; i < OH; ++i) {
        const Span r = span(i, k_.h, s_.h, p_.top, p_.bottom, H);
        for (std::size_t j = 0; j < OW; ++j) {
          const Span c = span(j, k_.w, s_.w, p_.left, p_.right, W);
          float s = 0.f;
          for (std::size_t h = r.h0; h < r.h1; ++h)
            for (std::size_t w = c.h0; w < c.h1; ++w) s += xp[h * W + w];
          const std::size_t count = include_pad_ ? r.padded * c.padded : (r.h1 - r.h0) * (c.h1 - c.h0);
          yp[i * OW + j] = s / static_cast<float>(count);
        }
      }
    }
  });
  return y_;
}

// Each input in window (i, j) contributed 1/count(i, j) of that window's output (count as in forward):
// dx[n, c, h, w] = sum over the windows (i, j) holding (h, w) of dy[n, c, i, j] / count(i, j).
const Tensor& AvgPool2d::backward(const Tensor& dy) {
  check_backward(!x_shape_.empty(), dy, y_);
  ensure_shape(dx_, x_shape_);
  const std::size_t H = x_shape_[2], W = x_shape_[3], OH = y_.shape(2), OW = y_.shape(3);
  parallel_for(x_shape_[0] * x_shape_[1], [&](std::size_t p0, std::size_t p1, int) {
    for (std::size_t p = p0; p < p1; ++p) {
      float* dxp = dx_.data() + p * H * W;
      std::fill(dxp, dxp + H * W, 0.f);
      const float* dyp = dy.data() + p * OH * OW;
      for (std::size_t i = 0; i < OH; ++i) {
        const Span r = span(i, k_.h, s_.h, p_.top, p_.bottom, H);
        for (std::size_t j = 0; j < OW; ++j) {
          const Span c = span(j, k_.w, s_.w, p_.left, p_.right, W);
          const std::size_t count = include_pad_ ? r.padded * c.padded : (r.h1 - r.h0) * (c.h1 - c.h0);
          const float g = dyp[i * OW + j] / static_cast<float>(count);
          for (std::size_t h = r.h0; h < r.h1; ++h)
            for (std::size_t w = c.h0; w < c.h1; ++w) dxp[h * W + w] += g;
        }
      }
    }
  });
  return dx_;
}

MINICNN_REGISTER_LAYER(AvgPool2d, "avgpool", "avgpool K [stride=S] [pad=P|HxW|LxRxTxB] [ceil_mode=0|1] [count_include_pad=0|1]",
                       [](const LayerArgs& a, const Shape& in) {
  a.expect_positional(1, 1);
  const Size2 k = a.size2(0, "kernel size");
  auto pool = std::make_unique<AvgPool2d>(k, a.size2("stride", k), pool_pads(a.sizes("pad", 0, {1, 2, 4})),
                                          a.flag("ceil_mode", false), a.flag("count_include_pad", true));
  if (in.size() == 3) {
    const Size2 s = pool->stride();
    const Pads2d& p = pool->padding();
    const std::string problem = workspace_problem(in, pool_windows(in[1], k.h, s.h, 1, p.top, p.bottom, pool->ceil_mode()),
                                                  pool_windows(in[2], k.w, s.w, 1, p.left, p.right, pool->ceil_mode()));
    if (!problem.empty()) a.fail(problem);
  }
  return pool;
});

void AvgPool2d::release_scratch() {
  x_shape_.clear();
  release(y_);
  release(dx_);
}

}  // namespace minicnn
