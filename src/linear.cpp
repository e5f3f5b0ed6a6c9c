#include "minicnn/linear.hpp"
#include "minicnn/registry.hpp"

#include <stdexcept>

#include "gemm.hpp"
#include "minicnn/init.hpp"

namespace minicnn {

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
  copy_into(x_, x);
  matmul(x, false, weight_.value, true, y_);  // (N, in) x (in, out)
  if (has_bias_) {
    const std::size_t N = x.shape(0);
    const float* b = bias_.value.data();
    for (std::size_t n = 0; n < N; ++n) {
      float* row = y_.data() + n * out_;
      for (std::size_t o = 0; o < out_; ++o) row[o] += b[o];
    }
  }
  return y_;
}

// Given dy (N, out):
//   dW = dy^T x        (out, in)
//   db = sum_n dy      (out)
//   dx = dy W          (N, in)
const Tensor& Linear::backward(const Tensor& dy) {
  if (x_.dimension() == 0) throw std::logic_error(name() + ": backward called before forward");
  expect_same_shape(dy, y_.shape(), "Linear::backward dy");
  if (!weight_.frozen) matmul(dy, true, x_, false, weight_.grad);
  if (has_bias_ && !bias_.frozen) {
    float* db = bias_.grad.data();
    std::fill(db, db + out_, 0.f);
    for (std::size_t n = 0, N = dy.shape(0); n < N; ++n) {
      const float* row = dy.data() + n * out_;
      for (std::size_t o = 0; o < out_; ++o) db[o] += row[o];
    }
  }
  matmul(dy, false, weight_.value, false, dx_);
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
