#include "minicnn/layers/conv2d.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "kernels/conv_kernels.hpp"
#include "minicnn/core/init.hpp"
#include "minicnn/core/memory.hpp"
#include "minicnn/core/kernel_path.hpp"
#include "minicnn/core/registry.hpp"
#include "minicnn/core/sequential.hpp"
#include "minicnn/core/text.hpp"

namespace minicnn {

struct Conv2d::Workspace {
  ConvWorkspace fast;
  bool reference = false;  // did the last forward run the reference loops?
};

namespace {

// Output height/width for an input shape, or false when the input does not fit. Allocates nothing.
template <class S>
bool conv_output_hw(const Conv2dOptions& o, const S& in, std::size_t& OH, std::size_t& OW) {
  if (in.size() != 4 || in[1] != o.in_channels() || in[0] == 0) return false;
  const Size2 k = o.kernel_size(), d = o.dilation(), p = o.padding(), s = o.stride();
  const std::size_t eh = d.h * (k.h - 1) + 1, ew = d.w * (k.w - 1) + 1;
  const std::size_t ph = in[2] + 2 * p.h, pw = in[3] + 2 * p.w;
  if (ph < eh || pw < ew) return false;
  OH = (ph - eh) / s.h + 1;
  OW = (pw - ew) / s.w + 1;
  return true;
}

ConvProblem conv_problem(const Conv2dOptions& o, const Tensor::shape_type& xs, const Tensor::shape_type& ys) {
  auto L = [](std::size_t v) { return static_cast<long>(v); };
  const Size2 k = o.kernel_size(), s = o.stride(), p = o.padding(), d = o.dilation();
  return {{L(xs[1]), L(xs[2]), L(xs[3]), L(k.h), L(k.w), L(s.h), L(s.w), L(p.h), L(p.w), L(d.h), L(d.w), L(ys[2]), L(ys[3])},
          L(xs[0]), L(o.groups()), L(o.out_channels())};
}

void validate(const Conv2dOptions& o) {
  const std::pair<const char*, std::size_t> positive[] = {
      {"in_channels", o.in_channels()}, {"out_channels", o.out_channels()},
      {"kernel_size", o.kernel_size().h * o.kernel_size().w}, {"stride", o.stride().h * o.stride().w},
      {"dilation", o.dilation().h * o.dilation().w}, {"groups", o.groups()}};
  for (const auto& [what, v] : positive)
    if (v == 0) throw std::invalid_argument(std::string("Conv2d: ") + what + " must be > 0, got 0");
  if (o.in_channels() % o.groups() || o.out_channels() % o.groups())
    throw std::invalid_argument("Conv2d: in_channels (" + std::to_string(o.in_channels()) + ") and out_channels (" +
                                std::to_string(o.out_channels()) + ") must both be divisible by groups (" +
                                std::to_string(o.groups()) + ")");
}

}  // namespace

Conv2d::Conv2d(std::size_t in, std::size_t out, Size2 k, Size2 s, Size2 p, bool bias)
    : Conv2d(Conv2dOptions(in, out, k).stride(s).padding(p).bias(bias)) {}

Conv2d::Conv2d(const Conv2dOptions& options) : o_(options), ws_(std::make_unique<Workspace>()) {
  validate(o_);
  const Shape wshape{o_.out_channels(), o_.in_channels() / o_.groups(), o_.kernel_size().h, o_.kernel_size().w};
  weight_.value = Tensor::from_shape(wshape);
  init::kaiming_uniform(weight_.value, std::sqrt(5.f));  // PyTorch's default
  weight_.grad = zeros_untouched(wshape);  // no memory until training writes it
  if (o_.bias()) {
    bias_.value = Tensor::from_shape({o_.out_channels()});
    init::default_bias(bias_.value, wshape);
    bias_.grad = xt::zeros<float>({o_.out_channels()});
  }
}

Conv2d::~Conv2d() = default;

Parameter& Conv2d::bias() {
  if (!o_.bias()) throw std::logic_error(name() + ": has no bias (built with bias = false)");
  return bias_;
}
const Parameter& Conv2d::bias() const { return const_cast<Conv2d*>(this)->bias(); }

NamedParameters Conv2d::parameters() {
  NamedParameters p{{"weight", &weight_}};
  if (o_.bias()) p.emplace_back("bias", &bias_);
  return p;
}

std::string Conv2d::name() const {
  auto pair = [](Size2 s) { return "(" + std::to_string(s.h) + ", " + std::to_string(s.w) + ")"; };
  std::ostringstream os;  // the same text as PyTorch's repr of the same module
  os << "Conv2d(" << o_.in_channels() << ", " << o_.out_channels() << ", kernel_size=" << pair(o_.kernel_size())
     << ", stride=" << pair(o_.stride());
  if (!(o_.padding() == Size2(0))) os << ", padding=" << pair(o_.padding());
  if (!(o_.dilation() == Size2(1))) os << ", dilation=" << pair(o_.dilation());
  if (o_.groups() != 1) os << ", groups=" << o_.groups();
  if (!o_.bias()) os << ", bias=False";
  os << ")";
  return os.str();
}

std::string Conv2d::spec() const {
  std::string s = "conv " + std::to_string(o_.out_channels()) + " " + size2_spec(o_.kernel_size());
  if (!(o_.stride() == Size2(1))) s += " stride=" + size2_spec(o_.stride());
  if (!(o_.padding() == Size2(0))) s += " pad=" + size2_spec(o_.padding());
  if (!(o_.dilation() == Size2(1))) s += " dilation=" + size2_spec(o_.dilation());
  if (o_.groups() != 1) s += " groups=" + std::to_string(o_.groups());
  if (!o_.bias()) s += " bias=0";
  return s;
}

void Conv2d::set_kernel(std::size_t out_channel, std::size_t in_channel, const Tensor& kernel) {
  const std::size_t Cg = o_.in_channels() / o_.groups();
  const Size2 k = o_.kernel_size();
  if (out_channel >= o_.out_channels() || in_channel >= Cg)
    throw std::invalid_argument(name() + ": set_kernel(" + std::to_string(out_channel) + ", " +
                                std::to_string(in_channel) + ") is out of range; expected out < " +
                                std::to_string(o_.out_channels()) + " and in < " + std::to_string(Cg));
  if (kernel.dimension() != 2 || kernel.shape(0) != k.h || kernel.shape(1) != k.w)
    throw std::invalid_argument(name() + ": set_kernel expected a kernel of shape " + shape_str(Shape{k.h, k.w}) +
                                ", got " + shape_str(kernel.shape()));
  std::copy(kernel.data(), kernel.data() + k.h * k.w, weight_.value.data() + (out_channel * Cg + in_channel) * k.h * k.w);
}

Shape Conv2d::output_shape(const Shape& in) {
  std::size_t OH = 0, OW = 0;
  if (conv_output_hw(o_, in, OH, OW)) return {in[0], o_.out_channels(), OH, OW};
  if (in.size() != 4 || in[1] != o_.in_channels() || in[0] == 0)
    throw std::invalid_argument(name() + ": expected input (N, " + std::to_string(o_.in_channels()) +
                                ", H, W) with N > 0, got " + shape_str(in));
  throw std::invalid_argument(name() + ": input " + shape_str(in) + " is too small: with padding " +
                              size2_str(o_.padding()) + " and dilation " + size2_str(o_.dilation()) +
                              " the kernel does not fit in the image");
}

// The fast path (src/kernels/conv_kernels.*) computes, per image n and group g, one product
//   y_n,g (OC/G, OH*OW) = W_g (OC/G, Cg*KH*KW) * cols_n,g (Cg*KH*KW, OH*OW)
// where cols = im2col(x_n) holds every window of the image as a column (built, or read in place
// from a zero-padded copy of the image: conv_implicit.cpp); images go to threads. Stride-1 3x3
// layers may instead run Winograd's F(2x2, 3x3) (kernels/conv_winograd.hpp, MINICNN_CONV).
const Tensor& Conv2d::forward(const Tensor& x) {
  std::size_t OH = 0, OW = 0;
  if (!conv_output_hw(o_, x.shape(), OH, OW)) output_shape(shape_of(x));  // throws with the full message
  ensure_shape(x_, x.shape());  // kept for backward
  ensure_shape(y_, {x.shape(0), o_.out_channels(), OH, OW});
  const float* b = o_.bias() ? bias_.value.data() : nullptr;
  ws_->reference = kernel_path() == KernelPath::reference;
  if (ws_->reference) {
    copy_into(x_, x);
    ws_->fast.forget_input();  // what the fast path kept of an earlier input is stale now
    copy_into(y_, conv2d_reference_forward(x, weight_.value, o_.bias() ? &bias_.value : nullptr, o_));
    return y_;
  }
  ws_->fast.forward(conv_problem(o_, x.shape(), y_.shape()), x.data(), weight_.value.data(), b, y_.data(), x_.data());
  return y_;
}

std::string Conv2d::algorithm() const { return ws_->reference ? "reference" : ws_->fast.last_algorithm(); }

// Given dy (N, OC, OH, OW):
//   dW[o, c, ki, kj] = sum over n, i, j of dy[n, o, i, j] * x[n, g*Cg + c, i*S - P + ki*D, j*S - P + kj*D]
//   db[o]            = sum over n, i, j of dy[n, o, i, j]
//   dx[n, c, h, w]   = sum of W[o, c', ki, kj] * dy[n, o, i, j] over every (o, ki, kj, i, j) whose
//                      window tap lands on pixel (h, w)
// In matrix form, per image and group: dW_g += dy_n,g cols_n,g^T, dcols = W_g^T dy_n,g, and
// dx_n = col2im(dcols), col2im being the adjoint of im2col (it adds each column entry back onto
// the pixel it was copied from).
// With set_needs_input_grad(false) dx is skipped and left empty; frozen parameters get no gradient.
const Tensor& Conv2d::backward(const Tensor& dy) {
  check_backward(x_.dimension() != 0, dy, y_);
  const bool want_w = !weight_.frozen, want_b = o_.bias() && !bias_.frozen, want_x = needs_input_grad_;
  if (want_x) ensure_shape(dx_, x_.shape());
  else ensure_shape(dx_, {0});
  if (kernel_path() == KernelPath::reference) {
    conv2d_reference_backward(x_, weight_.value, dy, o_, want_x ? &dx_ : nullptr, want_w ? &weight_.grad : nullptr,
                              want_b ? &bias_.grad : nullptr);
    return dx_;
  }
  ws_->fast.backward(conv_problem(o_, x_.shape(), y_.shape()), x_.data(), weight_.value.data(), dy.data(),
                     want_w ? weight_.grad.data() : nullptr, want_b ? bias_.grad.data() : nullptr,
                     want_x ? dx_.data() : nullptr);
  return dx_;
}

MINICNN_REGISTER_LAYER(Conv2d, "conv", "conv OUT K [stride=S] [pad=P] [dilation=D] [groups=G] [bias=0|1]",
                       [](const LayerArgs& a, const Shape& in) {
  a.expect_positional(2, 2);
  if (in.size() != 3) a.fail("needs an image input (C, H, W), got " + shape_str(in));
  const Conv2dOptions o = Conv2dOptions(in[0], a.count(0, "output channels"), a.size2(1, "kernel size"))
                              .stride(a.size2("stride", 1))
                              .padding(a.size2("pad", 0, /*allow_zero=*/true))
                              .dilation(a.size2("dilation", 1))
                              .groups(a.count("groups", 1))
                              .bias(a.flag("bias", true));
  const Size2 k = o.kernel_size();
  if (o.out_channels() * (o.in_channels() / o.groups()) * k.h * k.w > max_layer_parameters())
    a.fail("over the limit of " + std::to_string(max_layer_parameters()) + " weights per layer, 16 bytes each in training, " +
           "for the memory limit of " + memory_limit_text());
  // Padding can grow an image, and im2col holds C*KH*KW values per output pixel: bound both per
  // image, or a short spec could ask for gigabytes (found by fuzzing: "conv 7 5 pad=122, conv 4 122").
  std::size_t OH = 0, OW = 0;
  if (conv_output_hw(o, Shape{1, in[0], in[1], in[2]}, OH, OW)) {
    const double pixels = static_cast<double>(OH) * static_cast<double>(OW);
    if (pixels * static_cast<double>(std::max(o.out_channels(), o.in_channels() * k.h * k.w)) >
        static_cast<double>(kSpecMaxLayerWorkspace))
      a.fail("its output (" + std::to_string(OH) + "x" + std::to_string(OW) + ") and im2col columns need more than " +
             std::to_string(kSpecMaxLayerWorkspace) + " values per image");
  }
  return std::make_unique<Conv2d>(o);
});

Conv2d& conv_at(Sequential& model, const std::string& path) {
  std::vector<std::string> convs;
  for (auto& [p, layer] : named_layers(model))
    if (auto* conv = dynamic_cast<Conv2d*>(layer)) {
      if (p == path) return *conv;
      convs.push_back(p);
    }
  const std::string list = "conv layers: " + (convs.empty() ? std::string("none") : join(convs));
  if (Layer* other = find_layer(model, path)) {
    const std::string type = short_name(*other);
    throw std::invalid_argument(path + " is a " + type.substr(0, type.find('(')) + ", not a Conv2d (" + list + ")");
  }
  throw std::invalid_argument("no layer " + path + path_suggestion(path, convs) + " (layers 0-" +
                              std::to_string(model.size() - 1) + "; " + list + ")");
}

void Conv2d::release_scratch() {
  release(x_);
  release(y_);
  release(dx_);
  ws_ = std::make_unique<Workspace>();  // the per-thread buffers, and what they kept of the weights
}

bool Conv2d::has_trainable_parameters() { return !weight_.frozen || (o_.bias() && !bias_.frozen); }

}  // namespace minicnn
