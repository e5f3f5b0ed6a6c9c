#include "minicnn/layers/batch_norm2d.hpp"
#include "minicnn/core/registry.hpp"
#include "minicnn/layers/relu.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "core/parallel.hpp"

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace minicnn {

BatchNorm2d::BatchNorm2d(std::size_t num_features, float eps, float momentum)
    : C_(num_features), eps_(eps), momentum_(momentum) {
  if (C_ == 0) throw std::invalid_argument("BatchNorm2d: num_features must be > 0, got 0");
  if (!(eps > 0.f) || !(momentum >= 0.f && momentum <= 1.f))
    throw std::invalid_argument("BatchNorm2d: eps must be > 0 and momentum in [0, 1]");
  weight_.value = xt::ones<float>({C_});
  weight_.grad = xt::zeros<float>({C_});
  bias_.value = xt::zeros<float>({C_});
  bias_.grad = xt::zeros<float>({C_});
  running_mean_ = xt::zeros<float>({C_});
  running_var_ = xt::ones<float>({C_});
  num_batches_tracked_ = xt::zeros<float>(Shape{});  // a 0-d scalar, as in PyTorch's state_dict
  inv_std_ = xt::zeros<float>({C_});
}

NamedParameters BatchNorm2d::parameters() { return {{"weight", &weight_}, {"bias", &bias_}}; }
NamedBuffers BatchNorm2d::buffers() {
  return {{"running_mean", &running_mean_}, {"running_var", &running_var_}, {"num_batches_tracked", &num_batches_tracked_}};
}

std::string BatchNorm2d::name() const {
  std::ostringstream os;
  os << "BatchNorm2d(" << C_ << ", eps=" << eps_ << ", momentum=" << momentum_ << ")";
  return os.str();
}

std::string BatchNorm2d::spec() const {
  std::ostringstream os;
  os.precision(9);
  os << "batchnorm";
  if (eps_ != 1e-5f) os << " eps=" << eps_;
  if (momentum_ != 0.1f) os << " momentum=" << momentum_;
  return os.str();
}

namespace {
// Sums of a run of floats in double, eight lanes wide and in a fixed order, so they vectorise (a
// single running double sum cannot be reordered without -ffast-math, and one add every few cycles
// makes BatchNorm a large share of a small network's training; GCC leaves a plain eight-lane loop
// scalar too, hence the intrinsics) while the result stays the same run to run.
// Adds sum(a) to s and sum(a * b) to sab (b = a for the sum of squares). In double, a float's
// square and the sums of a few million of them are exact or nearly, so processes that add up
// their slices' sums get the same statistics as one process over the whole batch.
void add_sums(const float* a, const float* b, std::size_t n, double& s, double& sab) {
  double ls[8] = {0, 0, 0, 0, 0, 0, 0, 0}, lp[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::size_t j = 0;
#if defined(__AVX2__) && defined(__FMA__)
  __m256d s0 = _mm256_setzero_pd(), s1 = s0, p0 = s0, p1 = s0;
  for (; j + 8 <= n; j += 8) {
    const __m256 va = _mm256_loadu_ps(a + j), vb = _mm256_loadu_ps(b + j);
    const __m256d a0 = _mm256_cvtps_pd(_mm256_castps256_ps128(va)), a1 = _mm256_cvtps_pd(_mm256_extractf128_ps(va, 1));
    const __m256d b0 = _mm256_cvtps_pd(_mm256_castps256_ps128(vb)), b1 = _mm256_cvtps_pd(_mm256_extractf128_ps(vb, 1));
    s0 = _mm256_add_pd(s0, a0), s1 = _mm256_add_pd(s1, a1);
    p0 = _mm256_fmadd_pd(a0, b0, p0), p1 = _mm256_fmadd_pd(a1, b1, p1);
  }
  _mm256_storeu_pd(ls, s0), _mm256_storeu_pd(ls + 4, s1), _mm256_storeu_pd(lp, p0), _mm256_storeu_pd(lp + 4, p1);
#endif
  for (; j + 8 <= n; j += 8)  // the same lanes without AVX2
    for (int k = 0; k < 8; ++k) ls[k] += a[j + k], lp[k] += double(a[j + k]) * b[j + k];
  for (int k = 0; j < n; ++j, ++k) ls[k] += a[j], lp[k] += double(a[j]) * b[j];
  s += ((ls[0] + ls[1]) + (ls[2] + ls[3])) + ((ls[4] + ls[5]) + (ls[6] + ls[7]));
  sab += ((lp[0] + lp[1]) + (lp[2] + lp[3])) + ((lp[4] + lp[5]) + (lp[6] + lp[7]));
}
}  // namespace

template <class S>
void BatchNorm2d::check_input(const S& in) const {
  if (in.size() != 4 || in[1] != C_ || in[0] == 0 || in[2] * in[3] == 0)
    throw std::invalid_argument(name() + ": expected input (N, " + std::to_string(C_) + ", H, W) with N, H, W > 0, got " +
                                shape_str(in));
}

// The shape of the input. Training's need for two values per channel is the batch's, not the
// layer's: forward checks it.
Shape BatchNorm2d::output_shape(const Shape& in) {
  check_input(in);
  return in;
}

const Tensor& BatchNorm2d::forward(const Tensor& x) { return normalise<false>(x); }

// y = max(0, BatchNorm(x)) written in the same pass; relu_fused_ tells backward to apply ReLU's
// mask (dL/dBN = dL/dy where y > 0, else 0) before BatchNorm's own formula.
const Tensor& BatchNorm2d::forward_relu(const Tensor& x) { return normalise<true>(x); }

const Tensor* BatchNorm2d::forward_with_next(Layer& next, const Tensor& x) {
  return dynamic_cast<ReLU*>(&next) ? &forward_relu(x) : nullptr;
}

// Every channel is independent, so threads take whole channels (parallel_for over C): each
// channel's sums are then added in the same order by whichever thread, and the results are the
// same bits for any thread count.
template <bool Relu>
const Tensor& BatchNorm2d::normalise(const Tensor& x) {
  check_input(x.shape());
  const std::size_t N = x.shape(0), HW = x.shape(2) * x.shape(3), M = N * HW;
  if (training_ && M < 2)
    throw std::invalid_argument(name() + ": training needs more than one value per channel, got input " + shape_str(x.shape()));
  ensure_shape(y_, x.shape());
  ensure_shape(xhat_, x.shape());
  used_batch_stats_ = training_;
  relu_fused_ = Relu;
  const float* px = x.data();
  const std::size_t grain = std::max<std::size_t>(1, 16384 / M);  // channels worth a thread
  if (training_) {
    sums_.assign(2 * C_ + 1, 0.0);  // double: a channel can hold millions of values
    parallel_for(C_, [&](std::size_t c0, std::size_t c1, int) {
      for (std::size_t c = c0; c < c1; ++c) {
        double s = 0, sq = 0;
        for (std::size_t n = 0; n < N; ++n) add_sums(px + (n * C_ + c) * HW, px + (n * C_ + c) * HW, HW, s, sq);
        sums_[c] = s, sums_[C_ + c] = sq;
      }
    }, grain);
    sums_[2 * C_] = static_cast<double>(M);
    if (sync_) sync_(sums_.data(), sums_.size());
    count_ = sums_[2 * C_];
  }
  parallel_for(C_, [&](std::size_t c0, std::size_t c1, int) {
    for (std::size_t c = c0; c < c1; ++c) {
      double mean, var;
      if (training_) {
        mean = sums_[c] / count_;
        var = std::max(0.0, sums_[C_ + c] / count_ - mean * mean);
        running_mean_(c) = static_cast<float>((1 - momentum_) * running_mean_(c) + momentum_ * mean);
        running_var_(c) = static_cast<float>((1 - momentum_) * running_var_(c) + momentum_ * var * count_ / (count_ - 1));
      } else {
        mean = running_mean_(c);
        var = running_var_(c);
      }
      const float inv = static_cast<float>(1.0 / std::sqrt(var + eps_)), m = static_cast<float>(mean);
      inv_std_(c) = inv;
      const float g = weight_.value(c), b = bias_.value(c);
      for (std::size_t n = 0; n < N; ++n) {
        const std::size_t off = (n * C_ + c) * HW;
        const float* xi = px + off;
        float *h = xhat_.data() + off, *y = y_.data() + off;
        for (std::size_t k = 0; k < HW; ++k) {
          h[k] = (xi[k] - m) * inv;
          const float v = g * h[k] + b;
          y[k] = Relu ? (v > 0.f ? v : 0.f) : v;  // ReLU's own expression: the same bits
        }
      }
    }
  }, grain);
  if (training_) num_batches_tracked_() += 1.f;
  return y_;
}

// Per channel, over its M = N*H*W values, with xhat the normalised input and s = 1/sqrt(var + eps):
//   dbias   = sum dy            dweight = sum dy * xhat
//   training (mean and var depend on x; Ioffe & Szegedy, 2015):
//     dx = weight * s / M * (M * dy - sum dy - xhat * sum(dy * xhat))
//   eval (fixed running statistics): dx = weight * s * dy
// After forward_relu, dy is first masked as ReLU's backward does (dy where y > 0, else 0), into dx
// one plane at a time, where the sums and then the formula read it.
// Synced, M and the sums cover every process's slice: dbias and dweight are the whole batch's,
// the same on every process (which leaves them out of its gradient sum).
const Tensor& BatchNorm2d::backward(const Tensor& dy) {
  check_backward(y_.dimension() != 0, dy, y_);
  ensure_shape(dx_, dy.shape());
  const std::size_t N = dy.shape(0), HW = dy.shape(2) * dy.shape(3);
  const std::size_t grain = std::max<std::size_t>(1, 16384 / (N * HW));
  const float* pdy = dy.data();
  sums_.assign(2 * C_, 0.0);  // per channel: sum dy, sum dy * xhat
  parallel_for(C_, [&](std::size_t c0, std::size_t c1, int) {
    for (std::size_t c = c0; c < c1; ++c) {
      double sdy = 0, sdyx = 0;
      for (std::size_t n = 0; n < N; ++n) {
        const std::size_t off = (n * C_ + c) * HW;
        const float* d = pdy + off;
        if (relu_fused_) {
          const float* py = y_.data() + off;
          float* masked = dx_.data() + off;
          for (std::size_t k = 0; k < HW; ++k) {
            const float dk = d[k];
            masked[k] = py[k] > 0.f ? dk : 0.f;
          }
          d = masked;
        }
        add_sums(d, xhat_.data() + off, HW, sdy, sdyx);
      }
      sums_[c] = sdy, sums_[C_ + c] = sdyx;
    }
  }, grain);
  if (used_batch_stats_ && sync_) sync_(sums_.data(), sums_.size());
  const double M = used_batch_stats_ ? count_ : 1.0;  // a and b below serve the training formula only
  if (relu_fused_) pdy = dx_.data();  // the masked dy, read and overwritten element by element
  parallel_for(C_, [&](std::size_t c0, std::size_t c1, int) {
    for (std::size_t c = c0; c < c1; ++c) {
      if (!bias_.frozen) bias_.grad(c) = static_cast<float>(sums_[c]);
      if (!weight_.frozen) weight_.grad(c) = static_cast<float>(sums_[C_ + c]);
      const float gs = weight_.value(c) * inv_std_(c);
      const float a = static_cast<float>(sums_[c] / M), b = static_cast<float>(sums_[C_ + c] / M);
      for (std::size_t n = 0; n < N; ++n) {
        const std::size_t off = (n * C_ + c) * HW;
        const float *d = pdy + off, *h = xhat_.data() + off;
        float* out = dx_.data() + off;
        if (used_batch_stats_)
          for (std::size_t k = 0; k < HW; ++k) out[k] = gs * (d[k] - a - h[k] * b);
        else
          for (std::size_t k = 0; k < HW; ++k) out[k] = gs * d[k];
      }
    }
  }, grain);
  return dx_;
}

MINICNN_REGISTER_LAYER(BatchNorm2d, "batchnorm", "batchnorm [eps=1e-5] [momentum=0.1]", [](const LayerArgs& a, const Shape& in) {
  a.expect_positional(0, 0);
  if (in.size() != 3) a.fail("needs an image input (C, H, W), got " + shape_str(in));
  const float eps = a.number("eps", 1e-5f), momentum = a.number("momentum", 0.1f);
  if (!(eps > 0.f) || !(momentum >= 0.f && momentum <= 1.f)) a.fail("eps must be > 0 and momentum in [0, 1]");
  return std::make_unique<BatchNorm2d>(in[0], eps, momentum);
});

void BatchNorm2d::release_scratch() {
  release(xhat_);  // inv_std_ stays: (C) values, written in place by every forward
  release(y_);
  release(dx_);
}

bool BatchNorm2d::has_trainable_parameters() { return !weight_.frozen || !bias_.frozen; }

}  // namespace minicnn
