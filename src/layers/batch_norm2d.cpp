#include "minicnn/layers/batch_norm2d.hpp"
#include "minicnn/core/registry.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

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

const Tensor& BatchNorm2d::forward(const Tensor& x) {
  if (x.dimension() != 4 || x.shape(1) != C_ || x.shape(0) == 0 || x.shape(2) * x.shape(3) == 0)
    throw std::invalid_argument(name() + ": expected input (N, " + std::to_string(C_) + ", H, W) with N, H, W > 0, got " +
                                shape_str(x.shape()));
  const std::size_t N = x.shape(0), HW = x.shape(2) * x.shape(3), M = N * HW;
  if (training_ && M < 2)
    throw std::invalid_argument(name() + ": training needs more than one value per channel, got input " + shape_str(x.shape()));
  ensure_shape(y_, x.shape());
  ensure_shape(xhat_, x.shape());
  used_batch_stats_ = training_;
  if (training_) {
    sums_.assign(2 * C_ + 1, 0.0);  // double: a channel can hold millions of values
    for (std::size_t c = 0; c < C_; ++c) {
      double s = 0, sq = 0;
      for (std::size_t n = 0; n < N; ++n)
        for (const float *p = x.data() + (n * C_ + c) * HW, *e = p + HW; p < e; ++p) s += *p, sq += double(*p) * *p;
      sums_[c] = s, sums_[C_ + c] = sq;
    }
    sums_[2 * C_] = static_cast<double>(M);
    if (sync_) sync_(sums_.data(), sums_.size());
    count_ = sums_[2 * C_];
  }
  for (std::size_t c = 0; c < C_; ++c) {
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
      for (std::size_t k = 0; k < HW; ++k) {
        const float h = (x.data()[off + k] - m) * inv;
        xhat_.data()[off + k] = h;
        y_.data()[off + k] = g * h + b;
      }
    }
  }
  if (training_) num_batches_tracked_() += 1.f;
  return y_;
}

// Per channel, over its M = N*H*W values, with xhat the normalised input and s = 1/sqrt(var + eps):
//   dbias   = sum dy            dweight = sum dy * xhat
//   training (mean and var depend on x; Ioffe & Szegedy, 2015):
//     dx = weight * s / M * (M * dy - sum dy - xhat * sum(dy * xhat))
//   eval (fixed running statistics): dx = weight * s * dy
// Synced, M and the sums cover every process's slice: dbias and dweight are the whole batch's,
// the same on every process (which leaves them out of its gradient sum).
const Tensor& BatchNorm2d::backward(const Tensor& dy) {
  check_backward(y_.dimension() != 0, dy, y_);
  ensure_shape(dx_, dy.shape());
  const std::size_t N = dy.shape(0), HW = dy.shape(2) * dy.shape(3);
  sums_.assign(2 * C_, 0.0);
  for (std::size_t c = 0; c < C_; ++c) {
    double sdy = 0, sdyx = 0;
    for (std::size_t n = 0; n < N; ++n) {
      const std::size_t off = (n * C_ + c) * HW;
      for (std::size_t k = 0; k < HW; ++k) sdy += dy.data()[off + k], sdyx += double(dy.data()[off + k]) * xhat_.data()[off + k];
    }
    sums_[c] = sdy, sums_[C_ + c] = sdyx;
  }
  if (used_batch_stats_ && sync_) sync_(sums_.data(), sums_.size());
  const double M = used_batch_stats_ ? count_ : 1.0;  // a and b below serve the training formula only
  for (std::size_t c = 0; c < C_; ++c) {
    if (!bias_.frozen) bias_.grad(c) = static_cast<float>(sums_[c]);
    if (!weight_.frozen) weight_.grad(c) = static_cast<float>(sums_[C_ + c]);
    const float gs = weight_.value(c) * inv_std_(c);
    const float a = static_cast<float>(sums_[c] / M), b = static_cast<float>(sums_[C_ + c] / M);
    for (std::size_t n = 0; n < N; ++n) {
      const std::size_t off = (n * C_ + c) * HW;
      for (std::size_t k = 0; k < HW; ++k)
        dx_.data()[off + k] = used_batch_stats_ ? gs * (dy.data()[off + k] - a - xhat_.data()[off + k] * b)
                                                : gs * dy.data()[off + k];
    }
  }
  return dx_;
}

MINICNN_REGISTER_LAYER(BatchNorm2d, "batchnorm", "batchnorm [eps=1e-5] [momentum=0.1]", [](const LayerArgs& a, const Shape& in) {
  a.expect_positional(0, 0);
  if (in.size() != 3) a.fail("needs an image input (C, H, W), got " + shape_str(in));
  const float eps = a.number("eps", 1e-5f), momentum = a.number("momentum", 0.1f);
  if (!(eps > 0.f) || !(momentum >= 0.f && momentum <= 1.f)) a.fail("eps must be > 0 and momentum in [0, 1]");
  return std::make_unique<BatchNorm2d>(in[0], eps, momentum);
});

}  // namespace minicnn
