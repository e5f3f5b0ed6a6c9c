// Pass 1 of the ONNX importer (src/io/onnx_importer.hpp): one handler per operator that becomes a
// layer, each checking the node's attributes and inputs against what the minicnn layer can do, and
// naming the node and op type when they do not fit. The dispatch is in onnx_import_shapes.cpp.
#include <algorithm>
#include <cmath>
#include <functional>
#include <iomanip>
#include <limits>
#include <sstream>

#include "io/onnx_file.hpp"
#include "io/onnx_importer.hpp"
#include "minicnn/core/registry.hpp"

namespace minicnn::onnx_import {

namespace {

// The shortest text that reads back as the same float: 0.01f is "0.01", not "0.00999999978".
std::string number(float v) {
  std::ostringstream os;
  for (int digits = 6; digits <= 9; ++digits) {
    os.str("");
    os.precision(digits);
    os << v;
    if (std::strtof(os.str().c_str(), nullptr) == v) break;
  }
  return os.str();
}

std::string size2(std::int64_t h, std::int64_t w) {
  return h == w ? std::to_string(h) : std::to_string(h) + "x" + std::to_string(w);
}

// A pad layer's or pool's pads from ONNX's (top, left, bottom, right), as minicnn's spec writes
// them: "1", "1x2" (H x W) when both sides of each axis agree, else "LxRxTxB".
std::string pads_text(std::int64_t t, std::int64_t l, std::int64_t b, std::int64_t r) {
  if (t == b && l == r) return size2(t, l);
  return std::to_string(l) + "x" + std::to_string(r) + "x" + std::to_string(t) + "x" + std::to_string(b);
}

// (H + 2P - D (K - 1) - 1) / S + 1 for each side, or -1 when the window does not fit.
std::int64_t window_out(std::size_t in, std::int64_t k, std::int64_t s, std::int64_t p, std::int64_t d) {
  const std::int64_t span = static_cast<std::int64_t>(in) + 2 * p - d * (k - 1) - 1;
  return span < 0 ? -1 : span / s + 1;
}

}  // namespace

// ---- layers -------------------------------------------------------------------------------------

void Importer::op_activation(const Node& n) {
  const int x = activation(n, 0);
  const std::string& op = n.op_type();
  std::string spec = op == "Relu" ? "relu" : op == "Tanh" ? "tanh" : op == "Sigmoid" ? "sigmoid" : "";
  if (op == "LeakyRelu") spec = "leakyrelu slope=" + number(attr_float(n, "alpha", 0.01f));
  if (op == "Clip") {  // min and max: attributes before opset 11, optional inputs after; a missing one is -inf / +inf
    const float inf = std::numeric_limits<float>::infinity();
    const float lo = opset_ < 11 ? attr_float(n, "min", -inf) : has_input(n, 1) ? constant_float(n, 1) : -inf;
    const float hi = opset_ < 11 ? attr_float(n, "max", inf) : has_input(n, 2) ? constant_float(n, 2) : inf;
    if (std::isnan(lo) || std::isnan(hi) || !(lo < hi))
      fail(n, "min " + number(lo) + " and max " + number(hi) + " must be numbers with min < max");
    if (lo == -inf && hi == inf) {
      pass(n, x, acts_[static_cast<std::size_t>(x)].shape);
      return;
    }
    if (lo == 0.f && hi == inf) spec = "relu";
    else if (lo == 0.f && hi == 6.f) spec = "relu6";
    else if (std::isfinite(lo) && std::isfinite(hi)) spec = "hardtanh min=" + number(lo) + " max=" + number(hi);
    else fail(n, "min " + number(lo) + ", max " + number(hi) + ": minicnn reads Clip with both bounds (Hardtanh), or min 0 (ReLU)");
  }
  add_layer(n, x, {spec, {}}, acts_[static_cast<std::size_t>(x)].shape);
}

// The pads (top, left, bottom, right) of a Conv or pool with kernel k, strides s and dilations d
// over input `in` (C, H, W): the attribute `pads`, or those auto_pad asks for. SAME_UPPER and
// SAME_LOWER pad so that the output is ceil(H / S), the odd one extra at the end (UPPER) or the
// beginning (LOWER).
Ints Importer::node_pads(const Node& n, const Shape& in, const Ints& k, const Ints& s, const Ints& d) const {
  const std::string auto_pad = attr_string(n, "auto_pad", "NOTSET");
  if (auto_pad == "VALID") return {0, 0, 0, 0};
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    if (in.size() != 3) fail(n, "auto_pad " + auto_pad + " needs an image input (C, H, W), got " + shape_str(in));
    Ints p(4);
    for (std::size_t a = 0; a < 2; ++a) {
      const auto size = static_cast<std::int64_t>(in[a + 1]);
      const std::int64_t out = (size + s[a] - 1) / s[a];
      const std::int64_t total = std::max<std::int64_t>((out - 1) * s[a] + (k[a] - 1) * d[a] + 1 - size, 0);
      p[a] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      p[a + 2] = total - p[a];
    }
    return p;
  }
  if (auto_pad != "NOTSET") fail(n, "auto_pad '" + auto_pad + "' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER");
  const Ints p = attr_ints(n, "pads", {0, 0, 0, 0});
  if (p.size() != 4 || std::any_of(p.begin(), p.end(), [](std::int64_t v) { return v < 0 || v > 65536; }))
    fail(n, "pads " + onnx_file::dims_str(p) + " must be 4 whole numbers (top, left, bottom, right) from 0 to 65536");
  return p;
}

// A ConstantPad2d that reads x and makes no name of the graph: the part of a Conv's padding that
// is not the same on both sides, put before it. Returns its act.
int Importer::add_pad_before(const Node& n, int x, const Ints& p) {
  const Shape& in = acts_[static_cast<std::size_t>(x)].shape;
  steps_.push_back({"pad " + pads_text(p[0], p[1], p[2], p[3]), {}});
  Act a(Act::layer);
  a.input = a.idom = x;
  a.step = static_cast<int>(steps_.size()) - 1;
  a.shape = {in[0], in[1] + static_cast<std::size_t>(p[0] + p[2]), in[2] + static_cast<std::size_t>(p[1] + p[3])};
  a.node = describe(n);
  acts_.push_back(std::move(a));
  return static_cast<int>(acts_.size()) - 1;
}

void Importer::op_conv(const Node& n) {
  const int x = activation(n, 0);
  const Shape& in = acts_[static_cast<std::size_t>(x)].shape;
  Weight w = weight_tensor(n, 1);
  if (w.dimension() != 4) fail(n, "only 2-D convolutions are read; the weight has dims " + shape_str(w.shape()));
  const auto OC = static_cast<std::int64_t>(w.shape(0)), KH = static_cast<std::int64_t>(w.shape(2)),
             KW = static_cast<std::int64_t>(w.shape(3));
  const Ints k = attr_ints(n, "kernel_shape", {KH, KW}), s = attr_ints(n, "strides", {1, 1}),
             d = attr_ints(n, "dilations", {1, 1});
  const std::int64_t groups = attr_int(n, "group", 1);
  if (k != Ints{KH, KW}) fail(n, "kernel_shape " + onnx_file::dims_str(k) + " disagrees with the weight " + shape_str(w.shape()));
  if (s.size() != 2 || d.size() != 2 || s[0] < 1 || s[1] < 1 || d[0] < 1 || d[1] < 1 || groups < 1 || OC % groups != 0)
    fail(n, "strides " + onnx_file::dims_str(s) + ", dilations " + onnx_file::dims_str(d) + " or group " +
                std::to_string(groups) + " are out of range");
  if (in.size() != 3 || static_cast<std::int64_t>(w.shape(1)) * groups != static_cast<std::int64_t>(in[0]))
    fail(n, "weight " + shape_str(w.shape()) + " with group " + std::to_string(groups) + " does not fit its input " + shape_str(in));
  const Ints all = node_pads(n, in, k, s, d);
  // minicnn's Conv2d pads both sides alike: it takes the smaller pad of each axis, and a pad layer
  // before it adds the rest (SAME padding, or torch's asymmetric F.pad folded in).
  const Ints p{std::min(all[0], all[2]), std::min(all[1], all[3])};
  const Ints extra{all[0] - p[0], all[1] - p[1], all[2] - p[0], all[3] - p[1]};
  const std::int64_t OH = window_out(in[1] + static_cast<std::size_t>(extra[0] + extra[2]), KH, s[0], p[0], d[0]),
                     OW = window_out(in[2] + static_cast<std::size_t>(extra[1] + extra[3]), KW, s[1], p[1], d[1]);
  if (OH < 1 || OW < 1) fail(n, "its window is larger than its input " + shape_str(in));
  Step step{"conv " + std::to_string(OC) + " " + size2(KH, KW), {}};
  if (s != Ints{1, 1}) step.spec += " stride=" + size2(s[0], s[1]);
  if (p[0] || p[1]) step.spec += " pad=" + size2(p[0], p[1]);
  if (d != Ints{1, 1}) step.spec += " dilation=" + size2(d[0], d[1]);
  if (groups != 1) step.spec += " groups=" + std::to_string(groups);
  step.tensors.emplace_back("weight", std::move(w));
  if (has_input(n, 2)) {
    Weight b = weight_tensor(n, 2);
    if (b.dimension() != 1 || static_cast<std::int64_t>(b.size()) != OC)
      fail(n, "bias " + shape_str(b.shape()) + " must be (" + std::to_string(OC) + ")");
    step.tensors.emplace_back("bias", std::move(b));
  } else {
    step.spec += " bias=0";
  }
  const int from = std::any_of(extra.begin(), extra.end(), [](std::int64_t v) { return v != 0; }) ? add_pad_before(n, x, extra) : x;
  add_layer(n, from, std::move(step), {static_cast<std::size_t>(OC), static_cast<std::size_t>(OH), static_cast<std::size_t>(OW)});
}

// MaxPool and AveragePool as minicnn's maxpool and avgpool, which pad each side on its own, read
// dilations (MaxPool), ceil_mode with PyTorch's rule (the last window starts inside the input or
// its top/left padding) and count_include_pad (AveragePool; ONNX's default 0 is written out).
void Importer::op_pool(const Node& n) {
  const int x = activation(n, 0);
  const Shape& in = acts_[static_cast<std::size_t>(x)].shape;
  const bool max = n.op_type() == "MaxPool";
  if (n.output_size() > 1 && !n.output(1).empty()) fail(n, "its indices output is not read");
  const Ints k = attr_ints(n, "kernel_shape", {}), s = attr_ints(n, "strides", {1, 1}),
             d = max ? attr_ints(n, "dilations", {1, 1}) : Ints{1, 1};
  if (k.size() != 2 || s.size() != 2 || d.size() != 2 || k[0] < 1 || k[1] < 1 || s[0] < 1 || s[1] < 1 || d[0] < 1 || d[1] < 1 ||
      k[0] > 65536 || k[1] > 65536 || s[0] > 65536 || s[1] > 65536 || d[0] > 65536 || d[1] > 65536)
    fail(n, "kernel_shape " + onnx_file::dims_str(k) + ", strides " + onnx_file::dims_str(s) + " and dilations " +
                onnx_file::dims_str(d) + " must be 2 sizes from 1 to 65536");
  if (!max && attribute(n, "dilations", onnx::AttributeProto::INTS) && attr_ints(n, "dilations", {1, 1}) != Ints{1, 1})
    fail(n, "dilations " + onnx_file::dims_str(attr_ints(n, "dilations", {1, 1})) + " are not read for AveragePool");
  if (attr_int(n, "storage_order", 0) != 0) fail(n, "storage_order=1 is not read (it only orders the indices output)");
  if (in.size() != 3) fail(n, "needs an image input (C, H, W), got " + shape_str(in));
  const Ints p = node_pads(n, in, k, s, d);
  const bool ceil_mode = attr_int(n, "ceil_mode", 0) != 0;
  for (std::size_t a = 0; a < 2; ++a)
    if (p[a] >= (k[a] - 1) * d[a] + 1 || p[a + 2] >= (k[a] - 1) * d[a] + 1)
      fail(n, "pads " + onnx_file::dims_str(p) + " must be smaller than the window on every side");
  const auto windows = [&](std::size_t a) -> std::int64_t {  // PyTorch's rule, as minicnn's pooling counts
    const std::int64_t span = d[a] * (k[a] - 1) + 1, total = static_cast<std::int64_t>(in[a + 1]) + p[a] + p[a + 2];
    if (total < span) return 0;
    std::int64_t out = (total - span + (ceil_mode ? s[a] - 1 : 0)) / s[a] + 1;
    if (ceil_mode && (out - 1) * s[a] >= static_cast<std::int64_t>(in[a + 1]) + p[a]) --out;
    return out;
  };
  const std::int64_t OH = windows(0), OW = windows(1);
  if (OH < 1 || OW < 1) fail(n, "its window is larger than its input " + shape_str(in));
  std::string spec = std::string(max ? "maxpool " : "avgpool ") + size2(k[0], k[1]);
  if (s != k) spec += " stride=" + size2(s[0], s[1]);
  const bool any_pad = std::any_of(p.begin(), p.end(), [](std::int64_t v) { return v != 0; });
  if (any_pad) spec += " pad=" + pads_text(p[0], p[1], p[2], p[3]);
  if (d != Ints{1, 1}) spec += " dilation=" + size2(d[0], d[1]);
  if (ceil_mode) spec += " ceil_mode=1";
  if (!max && any_pad && attr_int(n, "count_include_pad", 0) == 0) spec += " count_include_pad=0";
  add_layer(n, x, {spec, {}}, {in[0], static_cast<std::size_t>(OH), static_cast<std::size_t>(OW)});
}

void Importer::op_global_pool(const Node& n) {
  const int x = activation(n, 0);
  const Shape& in = acts_[static_cast<std::size_t>(x)].shape;
  if (in.size() != 3) fail(n, "needs an image input (C, H, W), got " + shape_str(in));
  const int y = add_layer(n, x, {"globalavgpool", {}}, {in[0], 1, 1});
  acts_[static_cast<std::size_t>(y)].pooled = true;
}

// Pad, mode constant, of the H and W axes: a ConstantPad2d ("pad LxRxTxB value=V"); all zeros
// change nothing (torch's AvgPool2d exports a Pad before its AveragePool). pads are (N, C, H, W)
// begins then ends; pads and the value are attributes before opset 11, inputs after.
void Importer::op_pad(const Node& n) {
  const int x = activation(n, 0);
  const Shape& in = acts_[static_cast<std::size_t>(x)].shape;
  const Ints pads = opset_ >= 11 ? constant_ints(n, 1) : attr_ints(n, "pads", {});
  const std::string mode = attr_string(n, "mode", "constant");
  if (std::all_of(pads.begin(), pads.end(), [](std::int64_t v) { return v == 0; }) && mode == "constant") {
    pass(n, x, in);
    return;
  }
  if (mode != "constant") fail(n, "mode " + mode + " is not read (minicnn's pad layer pads with a constant)");
  if (has_input(n, 3)) fail(n, "its axes input is not read; give pads for all 4 axes (N, C, H, W)");
  if (in.size() != 3 || pads.size() != 8 || pads[0] || pads[1] || pads[4] || pads[5] ||
      std::any_of(pads.begin(), pads.end(), [](std::int64_t v) { return v < 0 || v > 65536; }))
    fail(n, "pads " + onnx_file::dims_str(pads) + " on input " + shape_str(in) +
                ": minicnn reads padding of H and W only, from 0 to 65536, of an image (C, H, W)");
  const float value = opset_ >= 11 ? (has_input(n, 2) ? constant_float(n, 2) : 0.f) : attr_float(n, "value", 0.f);
  if (!std::isfinite(value)) fail(n, "its value " + number(value) + " is not a finite number");
  Step step{"pad " + pads_text(pads[2], pads[3], pads[6], pads[7]), {}};
  if (value != 0.f) step.spec += " value=" + number(value);
  add_layer(n, x, std::move(step),
            {in[0], in[1] + static_cast<std::size_t>(pads[2] + pads[6]), in[2] + static_cast<std::size_t>(pads[3] + pads[7])});
}

// y = alpha x W^T + beta C: a Linear whose weight is alpha W and whose bias is beta C. B is (out,
// in) with transB=1 (torch), or (in, out). C broadcasts over the rows: (out), (1, out), one value
// (opset 7 on; opset 11 on it may be left out).
void Importer::op_gemm(const Node& n) {
  const int x = activation(n, 0);
  const Shape& in = acts_[static_cast<std::size_t>(x)].shape;
  if (attr_int(n, "transA", 0) != 0)
    fail(n, "transA=1 is not read: it would mix the samples of a batch (minicnn's Linear reads A as (N, features))");
  if (opset_ < 7 && attr_int(n, "broadcast", 0) == 0 && has_input(n, 2)) fail(n, "a C without broadcast=1 is not read");
  const float alpha = attr_float(n, "alpha", 1.f), beta = attr_float(n, "beta", 1.f);
  Weight w = weight_tensor(n, 1, attr_int(n, "transB", 0) == 0);  // minicnn's Linear weight is (out, in)
  if (w.dimension() != 2 || in.size() != 1 || w.shape(1) != in[0])
    fail(n, "weight " + shape_str(w.shape()) + " (as (out, in)) does not fit its input " + shape_str(in) +
                (in.size() > 1 ? "; a Flatten must come first" : ""));
  const std::size_t out = w.shape(0);
  w.scale(alpha);
  Step step{"linear " + std::to_string(out), {{"weight", std::move(w)}}};
  if (has_input(n, 2)) {
    Weight b = weight_tensor(n, 2);
    const bool row = b.size() == out && (b.dimension() == 1 || (b.dimension() == 2 && b.shape(0) == 1));
    if (!row && b.size() != 1)
      fail(n, "bias C " + shape_str(b.shape()) + " must be (" + std::to_string(out) + "), (1, " + std::to_string(out) +
                  ") or one value: minicnn's Linear adds the same bias to every sample, so a C with one row per sample is not read");
    if (row) {
      b.reshape({out});
    } else {  // one value, for every output
      const float v = b.tensor().data()[0];
      Tensor full = Tensor::from_shape({out});
      std::fill(full.begin(), full.end(), v);
      b = Weight(std::move(full));
    }
    b.scale(beta);
    step.tensors.emplace_back("bias", std::move(b));
  } else {
    step.spec += " bias=0";
  }
  add_layer(n, x, std::move(step), {out});
}

// x B with B (in, out), or with a Transpose of an (out, in) weight: a Linear without bias, which an
// Add of a bias right after may complete.
void Importer::op_matmul(const Node& n) {
  const int x = activation(n, 0);
  const Shape& in = acts_[static_cast<std::size_t>(x)].shape;
  Weight w = weight_tensor(n, 1, true);
  if (w.dimension() != 2 || in.size() != 1 || w.shape(1) != in[0])
    fail(n, "weight " + shape_str(w.shape()) + " (as (out, in)) does not fit its input " + shape_str(in) +
                (in.size() > 1 ? "; a Flatten must come first" : ""));
  const std::size_t out = w.shape(0);
  const int y = add_layer(n, x, {"linear " + std::to_string(out) + " bias=0", {{"weight", std::move(w)}}}, {out});
  acts_[static_cast<std::size_t>(y)].matmul = consumers_[n.output(0)] == 1;
}

// (x - mean) / std right after the input: the normalisation the model was trained with, which
// minicnn keeps in the checkpoint rather than in the model. mean and std hold one value, or one
// per channel shaped to broadcast over (N, C, H, W): (C, 1, 1) or (1, C, 1, 1).
void Importer::op_normalize(const Node& n) {
  const bool sub = n.op_type() == "Sub";
  const int x = activation(n, 0);
  const Act& a = acts_[static_cast<std::size_t>(x)];
  const bool after_sub = !sub && x == normalized_ && std_.empty();
  if (!(a.kind == Act::source || after_sub) || input(n, 1).kind != Value::weight || consumers_[n.input(0)] != 1)
    fail(n, "minicnn reads Sub and Div only as the normalisation (x - mean) / std of the input, before any layer");
  const Tensor c = weight_tensor(n, 1).tensor();
  const std::size_t C = a.shape[0], r = c.dimension();
  const bool per_channel = r >= 3 && r <= 4 && c.size() == C && c.shape(r - 3) == C;
  if (c.size() != 1 && !per_channel)
    fail(n, "its constant " + shape_str(c.shape()) + " must be one value, or one per channel shaped (" + std::to_string(C) +
                ", 1, 1) or (1, " + std::to_string(C) + ", 1, 1)");
  std::vector<float>& into = sub ? mean_ : std_;
  into.resize(C);
  for (std::size_t i = 0; i < C; ++i) into[i] = c.size() == 1 ? c.data()[0] : c.data()[i];
  if (!sub && std::any_of(into.begin(), into.end(), [](float v) { return !(v > 0.f) || !std::isfinite(v); }))
    fail(n, "divides by a standard deviation that is not a positive number");
  if (!sub && mean_.empty()) mean_.assign(C, 0.f);
  normalized_ = pass(n, x, a.shape);
}

// Opsets 7 to 8 have 'spatial' (0: statistics per activation, which minicnn's batchnorm does not
// keep); before 14 training mode shows as the extra outputs (mean, var, saved_mean, saved_var),
// from 14 as 'training_mode' with two. consumed_inputs (opset 1 to 5) names nothing minicnn needs.
void Importer::op_batch_norm(const Node& n) {
  const int x = activation(n, 0);
  const Shape& in = acts_[static_cast<std::size_t>(x)].shape;
  if (attr_int(n, "spatial", 1) != 1)
    fail(n, "spatial=0 (statistics per activation, not per channel) is not read; minicnn's batchnorm keeps one per channel");
  bool training = attr_int(n, "training_mode", 0) != 0;
  for (int i = 1; i < n.output_size(); ++i) training = training || !n.output(i).empty();
  if (training)
    fail(n, "was exported in training mode (batch statistics); export with model.eval() "
            "(training=torch.onnx.TrainingMode.EVAL or PRESERVE)");
  if (in.size() != 3) fail(n, "needs an image input (C, H, W) as minicnn's batchnorm, got " + shape_str(in));
  static const char* const roles[] = {"weight", "bias", "running_mean", "running_var"};
  // ONNX's momentum is PyTorch's 1 - momentum (0.9 for 0.1); it matters only for fine-tuning, so
  // six digits are plenty, and 0.1 stays 0.1.
  const float eps = attr_float(n, "epsilon", 1e-5f);
  std::ostringstream six;
  six << std::setprecision(6) << 1.0 - static_cast<double>(attr_float(n, "momentum", 0.9f));
  const float momentum = std::strtof(six.str().c_str(), nullptr);
  Step step{"batchnorm", {}};
  if (eps != 1e-5f) step.spec += " eps=" + number(eps);
  if (momentum != 0.1f) step.spec += " momentum=" + number(momentum);
  for (int i = 0; i < 4; ++i) {
    Weight t = weight_tensor(n, i + 1);
    if (t.dimension() != 1 || t.shape(0) != in[0])
      fail(n, std::string(roles[i]) + " " + shape_str(t.shape()) + " must be (" + std::to_string(in[0]) + ")");
    step.tensors.emplace_back(roles[i], std::move(t));
  }
  add_layer(n, x, std::move(step), in);
}

// Dropout: the identity at inference. Its ratio is an attribute before opset 12, an input after.
void Importer::op_dropout(const Node& n) {
  const int x = activation(n, 0);
  float p = opset_ < 12 ? attr_float(n, "ratio", 0.5f) : has_input(n, 1) ? constant_float(n, 1) : 0.5f;
  if (opset_ >= 12 && has_input(n, 2) && constant_float(n, 2) != 0.f)
    fail(n, "is in training mode (training_mode = true); export with model.eval()");
  if (!(p >= 0.f && p < 1.f)) fail(n, "ratio " + number(p) + " must be in [0, 1)");
  if (n.output_size() > 1 && !n.output(1).empty()) {
    Value mask;
    mask.why = "the mask of a Dropout, which minicnn does not compute";
    define(n, 1, mask);
  }
  add_layer(n, x, {"dropout p=" + number(p), {}}, acts_[static_cast<std::size_t>(x)].shape);
}

// Before opset 13 Softmax flattens its input from 'axis' (default 1) and normalises each row;
// from 13 it normalises along 'axis' (default -1). Over (N, classes) both are the classes.
void Importer::op_softmax(const Node& n) {
  const int x = activation(n, 0);
  const Shape& in = acts_[static_cast<std::size_t>(x)].shape;
  const std::int64_t axis = attr_int(n, "axis", opset_ >= 13 ? -1 : 1);
  if (in.size() != 1 || (axis != 1 && axis != -1))
    fail(n, "axis " + std::to_string(axis) + " over " + shape_str(in) +
                ": only a Softmax over the classes of (N, classes) is read (minicnn has no softmax layer)");
  const int y = pass(n, x, in);
  acts_[static_cast<std::size_t>(y)].softmax = true;
}

}  // namespace minicnn::onnx_import
