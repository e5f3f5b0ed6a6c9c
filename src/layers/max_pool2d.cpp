#include "minicnn/layers/max_pool2d.hpp"
#include "minicnn/core/registry.hpp"

#include <algorithm>
#include <stdexcept>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "core/parallel.hpp"
#include "kernels/pool_geometry.hpp"

namespace minicnn {

namespace {
// One output row pair of a 2x2, stride-2 max pool, outputs [j0, j1): window (a b / c d) at
// columns 2j, 2j + 1 of rows r0, r1. Scans a, b, c, d and keeps the first strict maximum, as the
// general loop does (ties and NaN keep the earlier element). at is the winner's index in the plane.
void pool_2x2_scalar(const float* r0, const float* r1, std::uint32_t base, std::uint32_t W, std::size_t j0,
                     std::size_t j1, float* y, std::uint32_t* at_out) {
  for (std::size_t j = j0; j < j1; ++j) {
    const float a = r0[2 * j], b = r0[2 * j + 1], c = r1[2 * j], d = r1[2 * j + 1];
    float m = a;
    std::uint32_t at = base + static_cast<std::uint32_t>(2 * j);
    at = b > m ? base + static_cast<std::uint32_t>(2 * j + 1) : at, m = b > m ? b : m;
    at = c > m ? base + static_cast<std::uint32_t>(W + 2 * j) : at, m = c > m ? c : m;
    at = d > m ? base + static_cast<std::uint32_t>(W + 2 * j + 1) : at, m = d > m ? d : m;
    y[j] = m;
    at_out[j] = at;
  }
}

#if defined(__AVX2__)
// The same for 8 outputs from column 2*j: the even and odd columns of each row are separated with
// in-lane shuffles, which leave the outputs in the order 0 1 4 5 2 3 6 7; the indices are built
// in that order too, and one cross-lane permute puts both back in order at the end.
void pool_2x2_avx2(const float* r0, const float* r1, std::uint32_t base, std::uint32_t W, std::size_t j, float* y,
                   std::uint32_t* at_out) {
  const __m256 u0 = _mm256_loadu_ps(r0 + 2 * j), u1 = _mm256_loadu_ps(r0 + 2 * j + 8);
  const __m256 v0 = _mm256_loadu_ps(r1 + 2 * j), v1 = _mm256_loadu_ps(r1 + 2 * j + 8);
  const __m256 a = _mm256_shuffle_ps(u0, u1, 0x88), b = _mm256_shuffle_ps(u0, u1, 0xDD);
  const __m256 c = _mm256_shuffle_ps(v0, v1, 0x88), d = _mm256_shuffle_ps(v0, v1, 0xDD);
  const __m256i col = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(base + 2 * j)),
                                       _mm256_setr_epi32(0, 2, 8, 10, 4, 6, 12, 14));
  __m256 m = a;
  __m256 at = _mm256_castsi256_ps(col);
  auto take = [&](__m256 v, int offset) {
    const __m256 gt = _mm256_cmp_ps(v, m, _CMP_GT_OQ);  // false for NaN, as in the scalar loop
    at = _mm256_blendv_ps(at, _mm256_castsi256_ps(_mm256_add_epi32(col, _mm256_set1_epi32(offset))), gt);
    m = _mm256_blendv_ps(m, v, gt);
  };
  take(b, 1);
  take(c, static_cast<int>(W));
  take(d, static_cast<int>(W) + 1);
  auto in_order = [](__m256 v) { return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), 0xD8)); };
  _mm256_storeu_ps(y + j, in_order(m));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(at_out + j), _mm256_castps_si256(in_order(at)));
}
#endif

// A plane (H, W) pooled into (OH, OW) = (H / 2, W / 2), with the winners' indices.
void pool_2x2(const float* xp, std::size_t W, std::size_t OH, std::size_t OW, float* yp, std::uint32_t* ap) {
  const auto w32 = static_cast<std::uint32_t>(W);
  for (std::size_t i = 0; i < OH; ++i) {
    const float *r0 = xp + 2 * i * W, *r1 = r0 + W;
    const auto base = static_cast<std::uint32_t>(2 * i * W);
    float* y = yp + i * OW;
    std::uint32_t* at = ap + i * OW;
    std::size_t j = 0;
#if defined(__AVX2__)
    if (OW >= 8) {
      for (; j + 8 <= OW; j += 8) pool_2x2_avx2(r0, r1, base, w32, j, y, at);
      if (j < OW) pool_2x2_avx2(r0, r1, base, w32, OW - 8, y, at);  // the tail: the last 8, again in part
      continue;
    }
#endif
    pool_2x2_scalar(r0, r1, base, w32, j, OW, y, at);
  }
}
}  // namespace

MaxPool2d::MaxPool2d(Size2 kernel_size, Size2 stride, Pads2d padding, Size2 dilation, bool ceil_mode)
    : k_(kernel_size), s_(pool_stride("MaxPool2d", kernel_size, stride)), p_(padding), d_(dilation), ceil_(ceil_mode) {
  pool_check_padding("MaxPool2d", k_, d_, p_);
}

std::string MaxPool2d::name() const { return pool_name("MaxPool2d", k_, s_, p_, d_, ceil_) + ")"; }

std::string MaxPool2d::spec() const { return pool_spec("maxpool", k_, s_, p_, d_, ceil_); }

Shape MaxPool2d::output_shape(const Shape& in) {
  std::size_t OH, OW;
  pool_output_hw(*this, in, k_, s_, d_, p_, ceil_, OH, OW);
  return {in[0], in[1], OH, OW};
}

const Tensor& MaxPool2d::forward(const Tensor& x) {
  std::size_t OH, OW;
  pool_output_hw(*this, x.shape(), k_, s_, d_, p_, ceil_, OH, OW);
  const std::size_t N = x.shape(0), C = x.shape(1), H = x.shape(2), W = x.shape(3);
  x_shape_ = x.shape();
  ensure_shape(y_, {N, C, OH, OW});
  argmax_.resize(y_.size());  // no-op once the size is stable
  const bool two_by_two = k_ == Size2(2) && s_ == Size2(2) && d_ == Size2(1) && p_.zero() && OH == H / 2 && OW == W / 2;
  const auto top = static_cast<std::ptrdiff_t>(p_.top), left = static_cast<std::ptrdiff_t>(p_.left);
  const auto iH = static_cast<std::ptrdiff_t>(H), iW = static_cast<std::ptrdiff_t>(W);
  parallel_for(N * C, [&](std::size_t p0, std::size_t p1, int) {
    for (std::size_t p = p0; p < p1; ++p) {
      const float* xp = x.data() + p * H * W;
      float* yp = y_.data() + p * OH * OW;
      std::uint32_t* ap = argmax_.data() + p * OH * OW;
      if (two_by_two) {  // the common case: its own kernel, pool_2x2 above
        pool_2x2(xp, W, OH, OW, yp, ap);
        continue;
      }
      // Window (i, j) reads rows i*S - top + ki*D and columns j*S - left + kj*D that fall inside
      // the input: the -inf padding never wins, so it is skipped (each window holds an input).
      for (std::size_t i = 0; i < OH; ++i)
        for (std::size_t j = 0; j < OW; ++j) {
          const std::ptrdiff_t h0 = static_cast<std::ptrdiff_t>(i * s_.h) - top, w0 = static_cast<std::ptrdiff_t>(j * s_.w) - left;
          std::size_t best = 0;
          bool found = false;
          for (std::size_t ki = 0; ki < k_.h; ++ki) {
            const std::ptrdiff_t h = h0 + static_cast<std::ptrdiff_t>(ki * d_.h);
            if (h < 0 || h >= iH) continue;
            for (std::size_t kj = 0; kj < k_.w; ++kj) {
              const std::ptrdiff_t w = w0 + static_cast<std::ptrdiff_t>(kj * d_.w);
              if (w < 0 || w >= iW) continue;
              const auto idx = static_cast<std::size_t>(h * iW + w);
              if (!found || xp[idx] > xp[best]) best = idx;  // ties (and NaN) keep the first
              found = true;
            }
          }
          yp[i * OW + j] = xp[best];
          ap[i * OW + j] = static_cast<std::uint32_t>(best);
        }
    }
  });
  return y_;
}

// The max passes its gradient to the one input that won; the others get 0.
// dx[n, c, argmax(i, j)] += dy[n, c, i, j]   (+= because overlapping windows can share a winner)
const Tensor& MaxPool2d::backward(const Tensor& dy) {
  check_backward(!x_shape_.empty(), dy, y_);
  ensure_shape(dx_, x_shape_);
  const std::size_t HW = x_shape_[2] * x_shape_[3], OHW = y_.shape(2) * y_.shape(3);
  parallel_for(x_shape_[0] * x_shape_[1], [&](std::size_t p0, std::size_t p1, int) {
    for (std::size_t p = p0; p < p1; ++p) {
      float* dxp = dx_.data() + p * HW;
      std::fill(dxp, dxp + HW, 0.f);
      const float* dyp = dy.data() + p * OHW;
      const std::uint32_t* ap = argmax_.data() + p * OHW;
      for (std::size_t o = 0; o < OHW; ++o) dxp[ap[o]] += dyp[o];
    }
  });
  return dx_;
}


MINICNN_REGISTER_LAYER(MaxPool2d, "maxpool", "maxpool K [stride=S] [pad=P|HxW|LxRxTxB] [dilation=D] [ceil_mode=0|1]",
                       [](const LayerArgs& a, const Shape& in) {
  a.expect_positional(1, 1);
  const Size2 k = a.size2(0, "kernel size");
  auto pool = std::make_unique<MaxPool2d>(k, a.size2("stride", k), pool_pads(a.sizes("pad", 0, {1, 2, 4})),
                                          a.size2("dilation", 1), a.flag("ceil_mode", false));
  if (in.size() == 3) {
    const Size2 s = pool->stride(), d = pool->dilation();
    const Pads2d& p = pool->padding();
    const std::string problem = workspace_problem(in, pool_windows(in[1], k.h, s.h, d.h, p.top, p.bottom, pool->ceil_mode()),
                                                  pool_windows(in[2], k.w, s.w, d.w, p.left, p.right, pool->ceil_mode()));
    if (!problem.empty()) a.fail(problem);
  }
  return pool;
});

void MaxPool2d::release_scratch() {
  x_shape_.clear();
  release(y_);
  release(dx_);
  std::vector<std::uint32_t>().swap(argmax_);
}

}  // namespace minicnn
