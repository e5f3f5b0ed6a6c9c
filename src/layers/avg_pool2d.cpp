#include "minicnn/layers/avg_pool2d.hpp"
#include "minicnn/core/registry.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/parallel.hpp"
#include "kernels/pool_geometry.hpp"

namespace minicnn {

AvgPool2d::AvgPool2d(Size2 kernel_size, Size2 stride)
    : k_(kernel_size), s_(pool_stride("AvgPool2d", kernel_size, stride)) {}

std::string AvgPool2d::name() const {
  return "AvgPool2d(kernel_size=" + size2_str(k_) + ", stride=" + size2_str(s_) + ")";
}

std::string AvgPool2d::spec() const { return pool_spec("avgpool", k_, s_); }

const Tensor& AvgPool2d::forward(const Tensor& x) {
  std::size_t OH, OW;
  pool_output_hw(*this, x, k_, s_, OH, OW);
  const std::size_t N = x.shape(0), C = x.shape(1), H = x.shape(2), W = x.shape(3);
  x_shape_ = x.shape();
  ensure_shape(y_, {N, C, OH, OW});
  const float inv = 1.f / static_cast<float>(k_.h * k_.w);
  parallel_for(N * C, [&](std::size_t p0, std::size_t p1, int) {
    for (std::size_t p = p0; p < p1; ++p) {
      const float* xp = x.data() + p * H * W;
      float* yp = y_.data() + p * OH * OW;
      for (std::size_t i = 0; i < OH; ++i)
        for (std::size_t j = 0; j < OW; ++j) {
          float s = 0.f;
          for (std::size_t ki = 0; ki < k_.h; ++ki)
            for (std::size_t kj = 0; kj < k_.w; ++kj) s += xp[(i * s_.h + ki) * W + j * s_.w + kj];
          yp[i * OW + j] = s * inv;
        }
    }
  });
  return y_;
}

// Each input in a window contributed 1/(KH*KW) of that window's output:
// dx[n, c, i*S + ki, j*S + kj] += dy[n, c, i, j] / (KH*KW)   for every window (i, j) containing it.
const Tensor& AvgPool2d::backward(const Tensor& dy) {
  check_backward(!x_shape_.empty(), dy, y_);
  ensure_shape(dx_, x_shape_);
  const std::size_t H = x_shape_[2], W = x_shape_[3], OH = y_.shape(2), OW = y_.shape(3);
  const float inv = 1.f / static_cast<float>(k_.h * k_.w);
  parallel_for(x_shape_[0] * x_shape_[1], [&](std::size_t p0, std::size_t p1, int) {
    for (std::size_t p = p0; p < p1; ++p) {
      float* dxp = dx_.data() + p * H * W;
      std::fill(dxp, dxp + H * W, 0.f);
      const float* dyp = dy.data() + p * OH * OW;
      for (std::size_t i = 0; i < OH; ++i)
        for (std::size_t j = 0; j < OW; ++j) {
          const float g = dyp[i * OW + j] * inv;
          for (std::size_t ki = 0; ki < k_.h; ++ki)
            for (std::size_t kj = 0; kj < k_.w; ++kj) dxp[(i * s_.h + ki) * W + j * s_.w + kj] += g;
        }
    }
  });
  return dx_;
}


MINICNN_REGISTER_LAYER(AvgPool2d, "avgpool", "avgpool K [stride=S]", [](const LayerArgs& a, const Shape&) {
  a.expect_positional(1, 1);
  const Size2 k = a.size2(0, "kernel size");
  return std::make_unique<AvgPool2d>(k, a.size2("stride", k));
});

}  // namespace minicnn
