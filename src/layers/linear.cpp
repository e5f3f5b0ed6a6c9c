#include "minicnn/layers/linear.hpp"
#include "minicnn/core/registry.hpp"

#include <stdexcept>

#include "kernels/gemm.hpp"
#include "minicnn/core/init.hpp"
#include "minicnn/core/memory.hpp"
#include "core/parallel.hpp"

namespace minicnn {

namespace {
// The fewest batch rows worth a second thread in forward and dx; smaller products run on one.
constexpr std::size_t kGrainRows = 16;
}  // namespace

Linear::Linear(std::size_t in_features, std::size_t out_features, bool bias)
    : in_(in_features), out_(out_features), has_bias_(bias) {
  if (in_ == 0 || out_ == 0)
    throw std::invalid_argument("Linear: in_features and out_features must be > 0, got " + std::to_string(in_) +
                                " and " + std::to_string(out_));
  weight_.value = Tensor::from_shape({out_, in_});
  init::kaiming_uniform(weight_.value, std::sqrt(5.f));  // PyTorch's default
  weight_.grad = zeros_untouched({out_, in_});  // no memory until training writes it
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

template <class S>
void Linear::check_input(const S& in) const {
  if (in.size() != 2 || in[1] != in_ || in[0] == 0)
    throw std::invalid_argument(name() + ": expected input (N, " + std::to_string(in_) + ") with N > 0, got " +
                                shape_str(in) + (in.size() > 2 ? " (add a Flatten before it?)" : ""));
}

Shape Linear::output_shape(const Shape& in) {
  check_input(in);
  return {in[0], out_};
}

const Tensor& Linear::forward(const Tensor& x) {
  check_input(x.shape());
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
// dW and db are sums over the batch. Threads take contiguous chunks of its rows, as Conv2d's do,
// and the chunks' partial sums are added in chunk order: the result is the same run to run, and
// the same bits as data-parallel training with one process per chunk (train/distributed.hpp),
// whose processes add their sums in the same order.
const Tensor& Linear::backward(const Tensor& dy) {
  check_backward(x_.dimension() != 0, dy, y_);
  const std::size_t N = dy.shape(0);
  const int in = static_cast<int>(in_), out = static_cast<int>(out_);
  const bool want_w = !weight_.frozen, want_b = has_bias_ && !bias_.frozen;
  if (want_w || want_b) {
    const int chunks = chunk_count(N);
    if (dw_part_.size() < static_cast<std::size_t>(chunks)) dw_part_.resize(static_cast<std::size_t>(chunks));
    for (int c = 1; c < chunks; ++c) ensure_shape(dw_part_[static_cast<std::size_t>(c)], {out_ * in_ + out_});  // dW, then db
    parallel_for(N, [&](std::size_t n0, std::size_t n1, int c) {
      // Chunk 0 writes into the gradients; the others into their own (out + 1, in) scratch.
      float* dw = c == 0 ? weight_.grad.data() : dw_part_[static_cast<std::size_t>(c)].data();
      float* db = c == 0 ? (has_bias_ ? bias_.grad.data() : nullptr) : dw + out_ * in_;
      if (want_w)
        gemm(true, false, out, in, static_cast<int>(n1 - n0), 1.f, dy.data() + n0 * out_, out, x_.data() + n0 * in_, in,
             0.f, dw, in);
      if (!want_b) return;
      std::fill(db, db + out_, 0.f);
      for (std::size_t k = n0; k < n1; ++k) {
        const float* row = dy.data() + k * out_;
        for (std::size_t o = 0; o < out_; ++o) db[o] += row[o];
      }
    });
    for (int c = 1; c < chunks; ++c) {
      const float* part = dw_part_[static_cast<std::size_t>(c)].data();
      if (want_w)
        for (std::size_t i = 0, n = out_ * in_; i < n; ++i) weight_.grad.data()[i] += part[i];
      if (want_b)
        for (std::size_t o = 0; o < out_; ++o) bias_.grad.data()[o] += part[out_ * in_ + o];
    }
  }
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
  if (in[0] * out > max_layer_parameters())
    a.fail("a " + std::to_string(in[0]) + " -> " + std::to_string(out) + " layer is over the limit of " +
           std::to_string(max_layer_parameters()) + " weights per layer, 16 bytes each in training, for the memory limit of " +
           memory_limit_text());
  return std::make_unique<Linear>(in[0], out, a.flag("bias", true));
});

void Linear::release_scratch() {
  release(x_);
  release(y_);
  release(dx_);
  std::vector<Tensor>().swap(dw_part_);
}

bool Linear::has_trainable_parameters() { return !weight_.frozen || (has_bias_ && !bias_.frozen); }

}  // namespace minicnn
