#include "minicnn/layers/adaptive_avg_pool2d.hpp"
#include "minicnn/core/registry.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/parallel.hpp"
#include "kernels/pool_geometry.hpp"

namespace minicnn {

namespace {
// PyTorch's bin i of `in` inputs into `out`: [floor(i in / out), ceil((i + 1) in / out)).
inline std::size_t bin_start(std::size_t i, std::size_t in, std::size_t out) { return i * in / out; }
inline std::size_t bin_end(std::size_t i, std::size_t in, std::size_t out) { return ((i + 1) * in + out - 1) / out; }
}  // namespace

AdaptiveAvgPool2d::AdaptiveAvgPool2d(Size2 output_size) : out_(output_size) {
  if (out_.h == 0 || out_.w == 0)
    throw std::invalid_argument("AdaptiveAvgPool2d: output_size must be > 0, got " + size2_str(out_));
}

bool AdaptiveAvgPool2d::uniform_bins(std::size_t in, std::size_t out, std::size_t& k, std::size_t& s) {
  k = bin_end(0, in, out) - bin_start(0, in, out);
  s = out > 1 ? bin_start(1, in, out) : k;
  if (s == 0) return false;
  for (std::size_t i = 0; i < out; ++i)
    if (bin_start(i, in, out) != i * s || bin_end(i, in, out) - bin_start(i, in, out) != k) return false;
  return true;
}

std::string AdaptiveAvgPool2d::name() const { return "AdaptiveAvgPool2d(output_size=" + size2_str(out_) + ")"; }

std::string AdaptiveAvgPool2d::spec() const { return "adaptiveavgpool " + size2_spec(out_); }

Shape AdaptiveAvgPool2d::output_shape(const Shape& in) {
  expect_nonempty_nchw(*this, in);
  return {in[0], in[1], out_.h, out_.w};
}

const Tensor& AdaptiveAvgPool2d::forward(const Tensor& x) {
  expect_nonempty_nchw(*this, x.shape());
  const std::size_t N = x.shape(0), C = x.shape(1), H = x.shape(2), W = x.shape(3), OH = out_.h, OW = out_.w;
  x_shape_ = x.shape();
  ensure_shape(y_, {N, C, OH, OW});
  parallel_for(N * C, [&](std::size_t p0, std::size_t p1, int) {
    for (std::size_t p = p0; p < p1; ++p) {
      const float* xp = x.data() + p * H * W;
      float* yp = y_.data() + p * OH * OW;
      for (std::size_t i = 0; i < OH; ++i) {
        const std::size_t h0 = bin_start(i, H, OH), h1 = bin_end(i, H, OH);
        for (std::size_t j = 0; j < OW; ++j) {
          const std::size_t w0 = bin_start(j, W, OW), w1 = bin_end(j, W, OW);
          float s = 0.f;
          for (std::size_t h = h0; h < h1; ++h)
            for (std::size_t w = w0; w < w1; ++w) s += xp[h * W + w];
          yp[i * OW + j] = s / static_cast<float>((h1 - h0) * (w1 - w0));
        }
      }
    }
  });
  return y_;
}

// Each input of bin (i, j) contributed 1/|bin| of its output, and bins may overlap:
// dx[n, c, h, w] = sum over the bins (i, j) holding (h, w) of dy[n, c, i, j] / |bin(i, j)|.
const Tensor& AdaptiveAvgPool2d::backward(const Tensor& dy) {
  check_backward(!x_shape_.empty(), dy, y_);
  ensure_shape(dx_, x_shape_);
  const std::size_t H = x_shape_[2], W = x_shape_[3], OH = out_.h, OW = out_.w;
  parallel_for(x_shape_[0] * x_shape_[1], [&](std::size_t p0, std::size_t p1, int) {
    for (std::size_t p = p0; p < p1; ++p) {
      float* dxp = dx_.data() + p * H * W;
      std::fill(dxp, dxp + H * W, 0.f);
      const float* dyp = dy.data() + p * OH * OW;
      for (std::size_t i = 0; i < OH; ++i) {
        const std::size_t h0 = bin_start(i, H, OH), h1 = bin_end(i, H, OH);
        for (std::size_t j = 0; j < OW; ++j) {
          const std::size_t w0 = bin_start(j, W, OW), w1 = bin_end(j, W, OW);
          const float g = dyp[i * OW + j] / static_cast<float>((h1 - h0) * (w1 - w0));
          for (std::size_t h = h0; h < h1; ++h)
            for (std::size_t w = w0; w < w1; ++w) dxp[h * W + w] += g;
        }
      }
    }
  });
  return dx_;
}

MINICNN_REGISTER_LAYER(AdaptiveAvgPool2d, "adaptiveavgpool", "adaptiveavgpool OUT (N or HxW)", [](const LayerArgs& a, const Shape& in) {
  a.expect_positional(1, 1);
  const Size2 out = a.size2(0, "output size");
  const std::string problem = workspace_problem(in, out.h, out.w);
  if (!problem.empty()) a.fail(problem);
  return std::make_unique<AdaptiveAvgPool2d>(out);
});

void AdaptiveAvgPool2d::release_scratch() {
  x_shape_.clear();
  release(y_);
  release(dx_);
}

}  // namespace minicnn
