#include "minicnn/layers/conv2d.hpp"
#include "minicnn/core/registry.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "layers/conv_kernels.hpp"
#include "layers/gemm.hpp"
#include "minicnn/core/init.hpp"
#include "core/parallel.hpp"

namespace minicnn {

namespace {

std::string positive(const char* what, std::size_t v) {
  return v == 0 ? std::string(what) + " must be > 0, got 0" : std::string();
}

void validate(const Conv2dOptions& o) {
  std::string err;
  for (const auto& e : {positive("in_channels", o.in_channels), positive("out_channels", o.out_channels),
                        positive("kernel_size", o.kernel_size.h * o.kernel_size.w),
                        positive("stride", o.stride.h * o.stride.w),
                        positive("dilation", o.dilation.h * o.dilation.w), positive("groups", o.groups)})
    if (err.empty() && !e.empty()) err = e;
  if (err.empty() && (o.in_channels % o.groups || o.out_channels % o.groups))
    err = "in_channels (" + std::to_string(o.in_channels) + ") and out_channels (" +
          std::to_string(o.out_channels) + ") must both be divisible by groups (" + std::to_string(o.groups) + ")";
  if (!err.empty()) throw std::invalid_argument("Conv2d: " + err);
}

Conv2dOptions make_options(std::size_t in, std::size_t out, Size2 k, Size2 s, Size2 p, bool bias) {
  Conv2dOptions o;
  o.in_channels = in;
  o.out_channels = out;
  o.kernel_size = k;
  o.stride = s;
  o.padding = p;
  o.bias = bias;
  return o;
}

}  // namespace

Conv2d::Conv2d(std::size_t in, std::size_t out, Size2 k, Size2 s, Size2 p, bool bias)
    : Conv2d(make_options(in, out, k, s, p, bias)) {}

Conv2d::Conv2d(const Conv2dOptions& options) : o_(options) {
  validate(o_);
  const Shape wshape{o_.out_channels, o_.in_channels / o_.groups, o_.kernel_size.h, o_.kernel_size.w};
  weight_.value = Tensor::from_shape(wshape);
  init::kaiming_uniform(weight_.value, std::sqrt(5.f));  // PyTorch's default
  weight_.grad = xt::zeros<float>(wshape);
  if (o_.bias) {
    bias_.value = Tensor::from_shape({o_.out_channels});
    init::default_bias(bias_.value, wshape);
    bias_.grad = xt::zeros<float>({o_.out_channels});
  }
}

Parameter& Conv2d::bias() {
  if (!o_.bias) throw std::logic_error(name() + ": has no bias (built with bias = false)");
  return bias_;
}
const Parameter& Conv2d::bias() const { return const_cast<Conv2d*>(this)->bias(); }

NamedParameters Conv2d::parameters() {
  NamedParameters p{{"weight", &weight_}};
  if (o_.bias) p.emplace_back("bias", &bias_);
  return p;
}

std::string Conv2d::name() const {
  auto pair = [](Size2 s) { return "(" + std::to_string(s.h) + ", " + std::to_string(s.w) + ")"; };
  std::ostringstream os;  // the same text as PyTorch's repr of the same module
  os << "Conv2d(" << o_.in_channels << ", " << o_.out_channels << ", kernel_size=" << pair(o_.kernel_size)
     << ", stride=" << pair(o_.stride);
  if (!(o_.padding == Size2(0))) os << ", padding=" << pair(o_.padding);
  if (!(o_.dilation == Size2(1))) os << ", dilation=" << pair(o_.dilation);
  if (o_.groups != 1) os << ", groups=" << o_.groups;
  if (!o_.bias) os << ", bias=False";
  os << ")";
  return os.str();
}

std::string Conv2d::spec() const {
  std::string s = "conv " + std::to_string(o_.out_channels) + " " + size2_spec(o_.kernel_size);
  if (!(o_.stride == Size2(1))) s += " stride=" + size2_spec(o_.stride);
  if (!(o_.padding == Size2(0))) s += " pad=" + size2_spec(o_.padding);
  if (!(o_.dilation == Size2(1))) s += " dilation=" + size2_spec(o_.dilation);
  if (o_.groups != 1) s += " groups=" + std::to_string(o_.groups);
  if (!o_.bias) s += " bias=0";
  return s;
}

void Conv2d::set_kernel(std::size_t out_channel, std::size_t in_channel, const Tensor& kernel) {
  const std::size_t Cg = o_.in_channels / o_.groups;
  if (out_channel >= o_.out_channels || in_channel >= Cg)
    throw std::invalid_argument(name() + ": set_kernel(" + std::to_string(out_channel) + ", " +
                                std::to_string(in_channel) + ") is out of range; expected out < " +
                                std::to_string(o_.out_channels) + " and in < " + std::to_string(Cg));
  if (kernel.dimension() != 2 || kernel.shape(0) != o_.kernel_size.h || kernel.shape(1) != o_.kernel_size.w)
    throw std::invalid_argument(name() + ": set_kernel expected a kernel of shape " +
                                shape_str(Shape{o_.kernel_size.h, o_.kernel_size.w}) + ", got " +
                                shape_str(kernel.shape()));
  const std::size_t KK = o_.kernel_size.h * o_.kernel_size.w;
  std::copy(kernel.data(), kernel.data() + KK, weight_.value.data() + (out_channel * Cg + in_channel) * KK);
}

namespace {
// Output height/width for an input shape, or false when the input does not fit. Allocates nothing.
template <class S>
bool output_hw(const Conv2dOptions& o, const S& in, std::size_t& OH, std::size_t& OW) {
  if (in.size() != 4 || in[1] != o.in_channels || in[0] == 0) return false;
  const std::size_t eh = o.dilation.h * (o.kernel_size.h - 1) + 1, ew = o.dilation.w * (o.kernel_size.w - 1) + 1;
  const std::size_t ph = in[2] + 2 * o.padding.h, pw = in[3] + 2 * o.padding.w;
  if (ph < eh || pw < ew) return false;
  OH = (ph - eh) / o.stride.h + 1;
  OW = (pw - ew) / o.stride.w + 1;
  return true;
}
}  // namespace

Shape Conv2d::output_shape(const Shape& in) const {
  std::size_t OH = 0, OW = 0;
  if (output_hw(o_, in, OH, OW)) return {in[0], o_.out_channels, OH, OW};
  if (in.size() != 4 || in[1] != o_.in_channels || in[0] == 0)
    throw std::invalid_argument(name() + ": expected input (N, " + std::to_string(o_.in_channels) +
                                ", H, W) with N > 0, got " + shape_str(in));
  throw std::invalid_argument(name() + ": input " + shape_str(in) + " is too small: with padding " +
                              size2_str(o_.padding) + " and dilation " + size2_str(o_.dilation) +
                              " the kernel does not fit in the image");
}

namespace {
Geometry geometry(const Conv2dOptions& o, const Tensor::shape_type& xs, const Tensor::shape_type& ys) {
  auto L = [](std::size_t v) { return static_cast<long>(v); };
  return {L(xs[1]), L(xs[2]), L(xs[3]), L(o.kernel_size.h), L(o.kernel_size.w), L(o.stride.h), L(o.stride.w),
          L(o.padding.h), L(o.padding.w), L(o.dilation.h), L(o.dilation.w), L(ys[2]), L(ys[3])};
}

// One buffer of the given shape per chunk.
void ensure_count(std::vector<Tensor>& bufs, int count, std::initializer_list<std::size_t> shape) {
  if (bufs.size() != static_cast<std::size_t>(count)) bufs.resize(static_cast<std::size_t>(count));
  for (auto& b : bufs) ensure_shape(b, shape);
}
}  // namespace

// One GEMM per image and group: y_n,g (OC/G, OH*OW) = W_g (OC/G, Cg*KH*KW) * cols_n,g (Cg*KH*KW, OH*OW).
// Per image rather than per batch: the column buffer stays in L2 and the product lands in NCHW
// order with no transpose; the batch is split across threads. (A direct sliding-window path for
// the one-channel first layer was measured slower: 28-wide rows leave too little per loop.)
const Tensor& Conv2d::forward(const Tensor& x) {
  std::size_t OH = 0, OW = 0;
  if (!output_hw(o_, x.shape(), OH, OW)) output_shape(shape_of(x));  // throws with the full message
  const std::size_t N = x.shape(0);
  ensure_shape(x_, x.shape());  // kept for backward; filled image by image below
  ensure_shape(y_, {N, o_.out_channels, OH, OW});
  const Geometry g = geometry(o_, x.shape(), y_.shape());
  const int G = static_cast<int>(o_.groups);
  const int OCg = static_cast<int>(o_.out_channels / o_.groups), P = static_cast<int>(OH * OW);
  const int CKKg = static_cast<int>(g.C / G * g.KH * g.KW);
  const int chunks = chunk_count(N);
  ensure_count(cols_, chunks, {static_cast<std::size_t>(CKKg) * G, OH * OW});
  ensure_count(scratch_, chunks, {im2col_scratch_size(g)});

  const float* w = weight_.value.data();
  const float* b = o_.bias ? bias_.value.data() : nullptr;
  parallel_for(N, [&](std::size_t n0, std::size_t n1, int c) {
    float *cols = cols_[c].data(), *scratch = scratch_[c].data();
    for (std::size_t n = n0; n < n1; ++n) {
      float* yn = y_.data() + n * o_.out_channels * P;
      const std::size_t CHW = static_cast<std::size_t>(g.C * g.H * g.W);
      // The copy is made by the thread that owns image n in every layer, so it stays in that
      // core's cache for backward (on these VMs the two cores do not always share one).
      std::copy(x.data() + n * CHW, x.data() + (n + 1) * CHW, x_.data() + n * CHW);
      im2col(x_.data() + n * CHW, g, cols, scratch);
      for (int gi = 0; gi < G; ++gi)
        gemm(false, false, OCg, P, CKKg, 1.f, w + gi * OCg * CKKg, CKKg, cols + gi * CKKg * P, P, 0.f,
             yn + gi * OCg * P, P);
      if (b)
        for (std::size_t o = 0; o < o_.out_channels; ++o)
          for (float *p = yn + o * P, *e = p + P; p < e; ++p) *p += b[o];
    }
  });
  return y_;
}

// Given dy (N, OC, OH, OW), per image n and group g:
//   dW_g^T  += cols_n,g (Cg*KH*KW, OH*OW) * dy_n,g^T (OH*OW, OC/G)     summed over the batch
//   db[o]    = sum over n, i, j of dy[n, o, i, j]
//   dcols_g  = W_g^T (Cg*KH*KW, OC/G) * dy_n,g (OC/G, OH*OW)
//   dx_n     = col2im(dcols)    (each input pixel collects the gradient of every window it was in)
// The columns are rebuilt from x rather than kept from forward: measured on lenet5, keeping all
// of a batch's columns (5 MB) pushed them out of cache and made a 2-thread step 12% slower.
// dW is built transposed, as cols * dy^T, because OpenBLAS runs that shape faster than dy * cols^T
// (lenet5's conv2: 519 -> 414 us per batch); the chunk sums are transposed back as they are added
// up. With 16 or more output channels per group, dy^T is first copied out so the product needs no
// transpose flag (conv2: 414 -> 330 us, copy included); with fewer, the copy's thin product is
// slower (conv1, 6 channels: 176 -> 378 us).
// With set_needs_input_grad(false) the dcols product and col2im are skipped: dx is left empty.
const Tensor& Conv2d::backward(const Tensor& dy) {
  if (x_.dimension() == 0) throw std::logic_error(name() + ": backward called before forward");
  expect_same_shape(dy, y_.shape(), "Conv2d::backward dy");
  const std::size_t N = x_.shape(0);
  const Geometry g = geometry(o_, x_.shape(), y_.shape());
  const int G = static_cast<int>(o_.groups), OC = static_cast<int>(o_.out_channels);
  const int OCg = OC / G, P = static_cast<int>(g.OH * g.OW), CKKg = static_cast<int>(g.C / G * g.KH * g.KW);
  const bool want_w = !weight_.frozen, want_b = o_.bias && !bias_.frozen, want_x = needs_input_grad_;
  const int chunks = chunk_count(N);
  ensure_count(cols_, chunks, {static_cast<std::size_t>(CKKg) * G, static_cast<std::size_t>(P)});
  ensure_count(scratch_, chunks, {im2col_scratch_size(g)});
  if (want_x) ensure_count(dcols_, chunks, {static_cast<std::size_t>(CKKg) * G, static_cast<std::size_t>(P)});
  const bool copy_dyt = OCg >= 16;
  ensure_count(dyt_, chunks, {copy_dyt ? static_cast<std::size_t>(P * OCg) : 0});
  ensure_count(dw_part_, chunks, {static_cast<std::size_t>(G * CKKg), static_cast<std::size_t>(OCg)});
  ensure_count(db_part_, chunks, {static_cast<std::size_t>(OC)});
  if (want_x) ensure_shape(dx_, x_.shape());
  else ensure_shape(dx_, {0});

  const float* w = weight_.value.data();
  parallel_for(N, [&](std::size_t n0, std::size_t n1, int c) {
    float *cols = cols_[c].data(), *dcols = want_x ? dcols_[c].data() : nullptr, *dw = dw_part_[c].data();
    float *dyt = dyt_[c].data(), *db = db_part_[c].data(), *scratch = scratch_[c].data();
    std::fill(db, db + OC, 0.f);
    for (std::size_t n = n0; n < n1; ++n) {
      const float* dyn = dy.data() + n * OC * P;
      if (want_b)  // 8 fixed-order partial sums: a single running float sum cannot vectorise
        for (int o = 0; o < OC; ++o) db[o] += sum8(dyn + o * P, P);
      if (want_w) im2col(x_.data() + n * g.C * g.H * g.W, g, cols, scratch);
      for (int gi = 0; gi < G; ++gi) {
        const float* dyg = dyn + gi * OCg * P;
        if (want_w) {
          const float* dyg_t = dyg;  // dy_n,g^T: as a transpose flag, or copied out (OH*OW, OC/G)
          if (copy_dyt) {
            for (int o = 0; o < OCg; ++o)
              for (int p = 0; p < P; ++p) dyt[p * OCg + o] = dyg[o * P + p];
            dyg_t = dyt;
          }
          gemm(false, !copy_dyt, CKKg, OCg, P, 1.f, cols + gi * CKKg * P, P, dyg_t, copy_dyt ? OCg : P,
               n == n0 ? 0.f : 1.f, dw + gi * CKKg * OCg, OCg);
        }
        if (want_x) gemm(true, false, CKKg, P, OCg, 1.f, w + gi * OCg * CKKg, CKKg, dyg, P, 0.f, dcols + gi * CKKg * P, P);
      }
      if (want_x) col2im(dcols, g, dx_.data() + n * g.C * g.H * g.W);
    }
  });
  // Add the per-chunk partial sums in chunk order, so the result does not depend on scheduling.
  if (want_w) {
    float* out = weight_.grad.data();  // (OC, CKKg) from per-chunk (G, CKKg, OCg)
    for (int gi = 0; gi < G; ++gi)
      for (int o = 0; o < OCg; ++o)
        for (int k = 0; k < CKKg; ++k) {
          const std::size_t from = (static_cast<std::size_t>(gi) * CKKg + k) * OCg + o;
          float sum = dw_part_[0].data()[from];
          for (int c = 1; c < chunks; ++c) sum += dw_part_[c].data()[from];
          out[(static_cast<std::size_t>(gi) * OCg + o) * CKKg + k] = sum;
        }
  }
  if (want_b) {
    float* out = bias_.grad.data();
    for (int o = 0; o < OC; ++o) {
      float sum = db_part_[0].data()[o];
      for (int c = 1; c < chunks; ++c) sum += db_part_[c].data()[o];
      out[o] = sum;
    }
  }
  return dx_;
}


MINICNN_REGISTER_LAYER(Conv2d, "conv", "conv OUT K [stride=S] [pad=P] [dilation=D] [groups=G] [bias=0|1]",
                       [](const LayerArgs& a, const Shape& in) {
  a.expect_positional(2, 2);
  if (in.size() != 3) a.fail("needs an image input (C, H, W), got " + shape_str(in));
  Conv2dOptions o;
  o.in_channels = in[0];
  o.out_channels = a.count(0, "output channels");
  o.kernel_size = a.size2(1, "kernel size");
  o.stride = a.size2("stride", 1);
  o.padding = a.size2("pad", 0, /*allow_zero=*/true);
  o.dilation = a.size2("dilation", 1);
  o.groups = a.count("groups", 1);
  o.bias = a.flag("bias", true);
  if (o.groups && o.out_channels * (o.in_channels / o.groups) * o.kernel_size.h * o.kernel_size.w > kSpecMaxLayerParameters)
    a.fail("over the limit of " + std::to_string(kSpecMaxLayerParameters) + " weights per layer");
  // Padding can grow an image, and im2col holds C*KH*KW values per output pixel: bound both per
  // image, or a short spec could ask for gigabytes (found by fuzzing: "conv 7 5 pad=122, conv 4 122").
  std::size_t OH = 0, OW = 0;
  if (output_hw(o, Shape{1, in[0], in[1], in[2]}, OH, OW)) {
    const double pixels = static_cast<double>(OH) * static_cast<double>(OW);
    if (pixels * static_cast<double>(std::max(o.out_channels, o.in_channels * o.kernel_size.h * o.kernel_size.w)) >
        static_cast<double>(kSpecMaxLayerWorkspace))
      a.fail("its output (" + std::to_string(OH) + "x" + std::to_string(OW) + ") and im2col columns need more than " +
             std::to_string(kSpecMaxLayerWorkspace) + " values per image");
  }
  return std::make_unique<Conv2d>(o);
});

}  // namespace minicnn
