#include "minicnn/layers/max_pool2d.hpp"
#include "minicnn/core/registry.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/parallel.hpp"
#include "layers/pool_geometry.hpp"

namespace minicnn {

MaxPool2d::MaxPool2d(Size2 kernel_size, Size2 stride)
    : k_(kernel_size), s_(pool_stride("MaxPool2d", kernel_size, stride)) {}

std::string MaxPool2d::name() const {
  return "MaxPool2d(kernel_size=" + size2_str(k_) + ", stride=" + size2_str(s_) + ")";
}

std::string MaxPool2d::spec() const { return pool_spec("maxpool", k_, s_); }

const Tensor& MaxPool2d::forward(const Tensor& x) {
  std::size_t OH, OW;
  pool_output_hw(*this, x, k_, s_, OH, OW);
  const std::size_t N = x.shape(0), C = x.shape(1), H = x.shape(2), W = x.shape(3);
  x_shape_ = x.shape();
  ensure_shape(y_, {N, C, OH, OW});
  argmax_.resize(y_.size());  // no-op once the size is stable
  const bool two_by_two = k_ == Size2(2) && s_ == Size2(2);
  parallel_for(N * C, [&](std::size_t p0, std::size_t p1, int) {
    for (std::size_t p = p0; p < p1; ++p) {
      const float* xp = x.data() + p * H * W;
      float* yp = y_.data() + p * OH * OW;
      std::uint32_t* ap = argmax_.data() + p * OH * OW;
      if (two_by_two) {  // the common case, branch-free so it vectorises: 0.22 -> 0.064 ms per lenet5 batch
        for (std::size_t i = 0; i < OH; ++i) {
          const float *r0 = xp + 2 * i * W, *r1 = r0 + W;
          const auto base = static_cast<std::uint32_t>(2 * i * W);
          for (std::size_t j = 0; j < OW; ++j) {
            // Same rule as the general loop: scan a, b, c, d and keep the first strict maximum.
            const float a = r0[2 * j], b = r0[2 * j + 1], c = r1[2 * j], d = r1[2 * j + 1];
            float m = a;
            std::uint32_t at = base + static_cast<std::uint32_t>(2 * j);
            at = b > m ? base + static_cast<std::uint32_t>(2 * j + 1) : at, m = b > m ? b : m;
            at = c > m ? base + static_cast<std::uint32_t>(W + 2 * j) : at, m = c > m ? c : m;
            at = d > m ? base + static_cast<std::uint32_t>(W + 2 * j + 1) : at, m = d > m ? d : m;
            yp[i * OW + j] = m;
            ap[i * OW + j] = at;
          }
        }
        continue;
      }
      for (std::size_t i = 0; i < OH; ++i)
        for (std::size_t j = 0; j < OW; ++j) {
          std::size_t best = i * s_.h * W + j * s_.w;
          for (std::size_t ki = 0; ki < k_.h; ++ki)
            for (std::size_t kj = 0; kj < k_.w; ++kj) {
              const std::size_t idx = (i * s_.h + ki) * W + j * s_.w + kj;
              if (xp[idx] > xp[best]) best = idx;  // ties (and NaN) keep the first
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


MINICNN_REGISTER_LAYER(MaxPool2d, "maxpool", "maxpool K [stride=S]", [](const LayerArgs& a, const Shape&) {
  a.expect_positional(1, 1);
  const Size2 k = a.size2(0, "kernel size");
  return std::make_unique<MaxPool2d>(k, a.size2("stride", k));
});

}  // namespace minicnn
