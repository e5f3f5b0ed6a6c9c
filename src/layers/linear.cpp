#include "minicnn/layers/linear.hpp"
#include "minicnn/core/registry.hpp"

#include <stdexcept>

#include "layers/gemm.hpp"
#include "minicnn/core/init.hpp"
#include "core/parallel.hpp"

namespace minicnn {

namespace {
// The fewest batch rows / output features worth a second thread; smaller products run on one.
constexpr std::size_t kGrainRows = 16, kGrainFeatures = 32;
}  // namespace

Linear::Linear(std::size_t in_features, std::size_t out_features, bool bias)
    : in_(in_features), out_(out_features), has_bias_(bias) {
  if (in_ == 0 || out_ == 0)
    throw std::invalid_argument("Linear: in_features and out_features must be > 0, got " + std::to_string(in_) +
                                " and " + std::to_string(out_));
  weight_.value = Tensor::from_shape({out_, in_});
  init::kaiming_uniform(weight_.value, std::sqrt(5.f));  // PyTorch's default
  weight_.grad = xt::zeros<float>({out_, in_});
  if (has_bias_) {
    bias_.value = Tensor::from_shape({out_});
    init::default_bias(bias_.value, {out_, in_});
    bias_.grad = xt::zeros<float>({out_});
  }
}

Parameter& Linear::bias() {
  if (!has_bias_) throw std::logic_error(name() + ": has no bias (built with bias = false)");
  return bias_;
}

NamedParameters Linear::parameters() {
  NamedParameters p{{"weight", &weight_}};
  if (has_bias_) p.emplace_back("bias", &bias_);
  return p;
}

std::string Linear::name() const {
  return "Linear(in_features=" + std::to_string(in_) + ", out_features=" + std::to_string(out_) +
         ", bias=" + (has_bias_ ? "True" : "False") + ")";
}

std::string Linear::spec() const { return "linear " + std::to_string(out_) + (has_bias_ ? "" : " bias=0"); }

const Tensor& Linear::forward(const Tensor& x) {
  if (x.dimension() != 2 || x.shape(1) != in_ || x.shape(0) == 0)
    throw std::invalid_argument(name() + ": expected input (N, " + std::to_string(in_) + ") with N > 0, got " +
                                shape_str(x.shape()) + (x.dimension() > 2 ? " (add a Flatten before it?)" : ""));
  const std::size_t N = x.shape(0);
  ensure_shape(x_, x.shape());  // kept for backward
  ensure_shape(y_, {N, out_});
  // Rows of the batch are independent: each thread copies and multiplies its own block of rows.
  parallel_for(N, [&](std::size_t n0, std::size_t n1, int) {
    std::copy(x.data() + n0 * in_, x.data() + n1 * in_, x_.data() + n0 * in_);
    gemm(false, true, static_cast<int>(n1 - n0), static_cast<int>(out_), static_cast<int>(in_), 1.f,
         x.data() + n0 * in_, static_cast<int>(in_), weight_.value.data(), static_cast<int>(in_), 0.f,
         y_.data() + n0 * out_, static_cast<int>(out_));  // (rows, in) x (in, out)
    if (!has_bias_) return;
    const float* b = bias_.value.data();
    for (std::size_t n = n0; n < n1; ++n) {
      float* row = y_.data() + n * out_;
      for (std::size_t o = 0; o < out_; ++o) row[o] += b[o];
    }
  }, kGrainRows);
  return y_;
}

// Given dy (N, out):
//   dW = dy^T x        (out, in)
//   db = sum_n dy      (out)
//   dx = dy W          (N, in)
const Tensor& Linear::backward(const Tensor& dy) {
  check_backward(x_.dimension() != 0, dy, y_);
  const std::size_t N = dy.shape(0);
  const int n = static_cast<int>(N), in = static_cast<int>(in_), out = static_cast<int>(out_);
  const bool want_w = !weight_.frozen, want_b = has_bias_ && !bias_.frozen;
  // Threads split dW and db by output feature (rows of dW): each thread sums the whole batch for
  // its features, so no partial sums need adding up afterwards.
  if (want_w || want_b)
    parallel_for(out_, [&](std::size_t o0, std::size_t o1, int) {
      if (want_w)
        gemm(true, false, static_cast<int>(o1 - o0), in, n, 1.f, dy.data() + o0, out, x_.data(), in, 0.f,
             weight_.grad.data() + o0 * in_, in);
      if (!want_b) return;
      float* db = bias_.grad.data();
      std::fill(db + o0, db + o1, 0.f);
      for (std::size_t k = 0; k < N; ++k) {
        const float* row = dy.data() + k * out_;
        for (std::size_t o = o0; o < o1; ++o) db[o] += row[o];
      }
    }, kGrainFeatures);
  ensure_shape(dx_, {N, in_});
  parallel_for(N, [&](std::size_t n0, std::size_t n1, int) {
    gemm(false, false, static_cast<int>(n1 - n0), in, out, 1.f, dy.data() + n0 * out_, out, weight_.value.data(),
         in, 0.f, dx_.data() + n0 * in_, in);
  }, kGrainRows);
  return dx_;
}

MINICNN_REGISTER_LAYER(Linear, "linear", "linear OUT [bias=0|1]", [](const LayerArgs& a, const Shape& in) {
  a.expect_positional(1, 1);
  const std::size_t out = a.count(0, "output features");
  if (in.size() != 1)
    a.fail("needs a flat input (F), got " + shape_str(in) + "; put 'flatten' before it");
  if (in[0] * out > kSpecMaxLayerParameters)
    a.fail("a " + std::to_string(in[0]) + " -> " + std::to_string(out) + " layer is over the limit of " +
           std::to_string(kSpecMaxLayerParameters) + " weights per layer");
  return std::make_unique<Linear>(in[0], out, a.flag("bias", true));
});

}  // namespace minicnn
