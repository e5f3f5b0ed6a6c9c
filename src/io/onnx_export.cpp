// A minicnn model as an ONNX graph (io/onnx.hpp): one node (or two) per layer, in order.
#include "minicnn/io/onnx.hpp"

#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "io/onnx_file.hpp"
#include "minicnn/io/atomic_file.hpp"
#include "minicnn/layers/adaptive_avg_pool2d.hpp"
#include "minicnn/layers/avg_pool2d.hpp"
#include "minicnn/layers/batch_norm2d.hpp"
#include "minicnn/layers/constant_pad2d.hpp"
#include "minicnn/layers/conv2d.hpp"
#include "minicnn/layers/dropout.hpp"
#include "minicnn/layers/flatten.hpp"
#include "minicnn/layers/global_avg_pool2d.hpp"
#include "minicnn/layers/hardtanh.hpp"
#include "minicnn/layers/leaky_relu.hpp"
#include "minicnn/layers/linear.hpp"
#include "minicnn/layers/max_pool2d.hpp"
#include "minicnn/layers/relu.hpp"
#include "minicnn/layers/concat.hpp"
#include "minicnn/layers/residual.hpp"
#include "minicnn/layers/sigmoid.hpp"
#include "minicnn/layers/tanh.hpp"

namespace minicnn {

namespace {

using Ints = std::vector<std::int64_t>;

Ints ints2(Size2 s) { return {static_cast<std::int64_t>(s.h), static_cast<std::int64_t>(s.w)}; }

// Builds the graph: each add_* call appends the nodes of one layer reading value x and returns
// the name of the value it produces; `in` is the per-sample shape of x. Nodes and their outputs are named by the layer's path
// ("3.body.0"), initializers by the checkpoint's tensor names ("3.body.0.weight").
class GraphWriter {
 public:
  explicit GraphWriter(onnx::GraphProto& g) : g_(g) {}

  std::string add_layer(Layer& layer, const std::string& path, const std::string& x, const Shape& in);
  void add_normalization(const std::vector<float>& mean, const std::vector<float>& std, std::size_t channels,
                         const std::string& x, const std::string& out);
  // Names the model's last value `out` (adding an Identity when no node produced it).
  void name_output(const std::string& last, const std::string& out);
  onnx::NodeProto& node(const std::string& op, const std::string& name, const std::vector<std::string>& inputs,
                        const std::string& output);

 private:
  std::string add_sequential(Sequential& seq, const std::string& path, const std::string& x, const Shape& in);
  std::string add_residual(Residual& res, const std::string& path, const std::string& x, const Shape& in);
  std::string add_pool(Layer& layer, const std::string& path, const std::string& x, const Shape& in);
  std::string add_concat(Concat& cat, const std::string& path, const std::string& x, const Shape& in);
  std::string initializer(const std::string& name, const Tensor& t, Ints dims = {});
  std::string scalar(const std::string& name, float v);

  onnx::GraphProto& g_;
};

void set_ints(onnx::NodeProto& n, const char* name, const Ints& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (const auto i : v) a->add_ints(i);
}
void set_int(onnx::NodeProto& n, const char* name, std::int64_t v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
void set_float(onnx::NodeProto& n, const char* name, float v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}

onnx::NodeProto& GraphWriter::node(const std::string& op, const std::string& name, const std::vector<std::string>& inputs,
                                   const std::string& output) {
  onnx::NodeProto& n = *g_.add_node();
  n.set_op_type(op);
  n.set_name(name);
  for (const auto& i : inputs) n.add_input(i);
  n.add_output(output);
  return n;
}

// Float32 data as raw_data (little-endian, as every producer writes it).
std::string GraphWriter::initializer(const std::string& name, const Tensor& t, Ints dims) {
  onnx::TensorProto& p = *g_.add_initializer();
  p.set_name(name);
  p.set_data_type(onnx::TensorProto::FLOAT);
  if (dims.empty())
    for (const auto d : t.shape()) dims.push_back(static_cast<std::int64_t>(d));
  for (const auto d : dims) p.add_dims(d);
  p.set_raw_data(std::string(reinterpret_cast<const char*>(t.data()), t.size() * sizeof(float)));
  return name;
}

// A float32 scalar (no dims): Clip's min and max, Pad's constant_value.
std::string GraphWriter::scalar(const std::string& name, float v) {
  onnx::TensorProto& p = *g_.add_initializer();
  p.set_name(name);
  p.set_data_type(onnx::TensorProto::FLOAT);
  p.add_float_data(v);
  return name;
}

std::string GraphWriter::add_sequential(Sequential& seq, const std::string& path, const std::string& x, const Shape& in) {
  std::string v = x;
  Shape shape = in;
  for (std::size_t i = 0; i < seq.size(); ++i) {
    v = add_layer(seq[i], path.empty() ? std::to_string(i) : path + "." + std::to_string(i), v, shape);
    if (i + 1 < seq.size()) shape = sample_output_shape(seq[i], shape);
  }
  return v;
}

// y = post(body(x) + shortcut(x)): both branches read x, an Add joins them.
std::string GraphWriter::add_residual(Residual& res, const std::string& path, const std::string& x, const Shape& in) {
  const std::string b = add_sequential(res.body(), path + ".body", x, in);
  const std::string s = res.shortcut() ? add_sequential(*res.shortcut(), path + ".shortcut", x, in) : x;
  if (res.post() == Residual::Post::none) return node("Add", path + ".add", {b, s}, path).output(0);
  node("Add", path + ".add", {b, s}, path + ".add");
  return node("Relu", path + ".post", {path + ".add"}, path).output(0);
}

// y = cat(branch_0(x), branch_1(x), ...) by channel: every branch reads x, a Concat (axis 1) joins them.
std::string GraphWriter::add_concat(Concat& cat, const std::string& path, const std::string& x, const Shape& in) {
  std::vector<std::string> outs;
  for (std::size_t i = 0; i < cat.size(); ++i)
    outs.push_back(add_sequential(cat.branch(i), path + "." + std::to_string(i), x, in));
  set_int(node("Concat", path + ".cat", outs, path), "axis", 1);
  return path;
}

// MaxPool2d, AvgPool2d -> MaxPool, AveragePool with pads (top, left, bottom, right). ONNX's
// count_include_pad counts the padding as PyTorch's does; without padding PyTorch divides a window
// cut by ceil_mode by the inputs inside it, which is ONNX's count_include_pad=0.
// AdaptiveAvgPool2d -> GlobalAveragePool for a 1x1 output, an AveragePool when its bins over this
// input are uniform (as kernel and stride), and refused otherwise: ONNX has no adaptive pooling.
std::string GraphWriter::add_pool(Layer& layer, const std::string& path, const std::string& x, const Shape& in) {
  if (auto* ad = dynamic_cast<AdaptiveAvgPool2d*>(&layer)) {
    const Size2 out = ad->output_size();
    if (out == Size2(1)) return node("GlobalAveragePool", path, {x}, path).output(0);
    std::size_t kh, sh, kw, sw;
    if (in.size() != 3 || !AdaptiveAvgPool2d::uniform_bins(in[1], out.h, kh, sh) ||
        !AdaptiveAvgPool2d::uniform_bins(in[2], out.w, kw, sw))
      throw std::invalid_argument("export_onnx: layer " + path + " " + ad->name() + " on input " + shape_str(in) +
                                  " has bins of different sizes, which no ONNX operator computes (ONNX has no adaptive pooling; "
                                  "a 1x1 output or an input size that the output size divides exports)");
    onnx::NodeProto& n = node("AveragePool", path, {x}, path);
    set_ints(n, "kernel_shape", ints2(Size2(kh, kw)));
    set_ints(n, "strides", ints2(Size2(sh, sw)));
    return path;
  }
  auto* max_pool = dynamic_cast<MaxPool2d*>(&layer);
  auto* avg_pool = dynamic_cast<AvgPool2d*>(&layer);
  const Pads2d& p = max_pool ? max_pool->padding() : avg_pool->padding();
  onnx::NodeProto& n = node(max_pool ? "MaxPool" : "AveragePool", path, {x}, path);
  set_ints(n, "kernel_shape", ints2(max_pool ? max_pool->kernel_size() : avg_pool->kernel_size()));
  set_ints(n, "strides", ints2(max_pool ? max_pool->stride() : avg_pool->stride()));
  if (!p.zero()) {
    using I = std::int64_t;
    set_ints(n, "pads", {static_cast<I>(p.top), static_cast<I>(p.left), static_cast<I>(p.bottom), static_cast<I>(p.right)});
  }
  if (max_pool ? max_pool->ceil_mode() : avg_pool->ceil_mode()) set_int(n, "ceil_mode", 1);
  if (max_pool && !(max_pool->dilation() == Size2(1))) set_ints(n, "dilations", ints2(max_pool->dilation()));
  if (avg_pool && avg_pool->count_include_pad() && !p.zero()) set_int(n, "count_include_pad", 1);
  return path;
}

std::string GraphWriter::add_layer(Layer& layer, const std::string& path, const std::string& x, const Shape& in) {
  if (auto* seq = dynamic_cast<Sequential*>(&layer)) return add_sequential(*seq, path, x, in);
  if (auto* res = dynamic_cast<Residual*>(&layer)) return add_residual(*res, path, x, in);
  if (auto* cat = dynamic_cast<Concat*>(&layer)) return add_concat(*cat, path, x, in);
  if (dynamic_cast<Dropout*>(&layer)) return x;  // the identity at inference
  if (auto* c = dynamic_cast<Conv2d*>(&layer)) {
    const Conv2dOptions& o = c->options();
    std::vector<std::string> in{x, initializer(path + ".weight", c->weight().value)};
    if (c->has_bias()) in.push_back(initializer(path + ".bias", c->bias().value));
    onnx::NodeProto& n = node("Conv", path, in, path);
    set_ints(n, "kernel_shape", ints2(o.kernel_size()));
    set_ints(n, "strides", ints2(o.stride()));
    const Ints p = ints2(o.padding());
    set_ints(n, "pads", {p[0], p[1], p[0], p[1]});  // (top, left, bottom, right)
    set_ints(n, "dilations", ints2(o.dilation()));
    set_int(n, "group", static_cast<std::int64_t>(o.groups()));
    return path;
  }
  if (auto* l = dynamic_cast<Linear*>(&layer)) {  // y = x W^T + b: Gemm with transB
    std::vector<std::string> in{x, initializer(path + ".weight", l->weight().value)};
    if (l->has_bias()) in.push_back(initializer(path + ".bias", l->bias().value));
    set_int(node("Gemm", path, in, path), "transB", 1);
    return path;
  }
  if (auto* bn = dynamic_cast<BatchNorm2d*>(&layer)) {
    onnx::NodeProto& n = node("BatchNormalization", path,
                              {x, initializer(path + ".weight", bn->weight().value), initializer(path + ".bias", bn->bias().value),
                               initializer(path + ".running_mean", bn->running_mean()),
                               initializer(path + ".running_var", bn->running_var())},
                              path);
    set_float(n, "epsilon", bn->eps());
    set_float(n, "momentum", 1.f - bn->momentum());  // ONNX: running = momentum * running + (1 - momentum) * batch
    return path;
  }
  if (dynamic_cast<MaxPool2d*>(&layer) || dynamic_cast<AvgPool2d*>(&layer) || dynamic_cast<AdaptiveAvgPool2d*>(&layer))
    return add_pool(layer, path, x, in);
  if (auto* pad = dynamic_cast<ConstantPad2d*>(&layer)) {  // Pad, mode constant: pads (N, C, H, W) begins, then ends
    const Pads2d& p = pad->padding();
    using I = std::int64_t;
    const I v[8] = {0, 0, static_cast<I>(p.top), static_cast<I>(p.left), 0, 0, static_cast<I>(p.bottom), static_cast<I>(p.right)};
    onnx::TensorProto& t = *g_.add_initializer();
    t.set_name(path + ".pads");
    t.set_data_type(onnx::TensorProto::INT64);
    t.add_dims(8);
    for (const I i : v) t.add_int64_data(i);
    node("Pad", path, {x, path + ".pads", scalar(path + ".value", pad->value())}, path);
    return path;
  }
  if (auto* ht = dynamic_cast<Hardtanh*>(&layer)) {  // Clip with min and max as inputs (opset 11 on)
    node("Clip", path, {x, scalar(path + ".min", ht->min_val()), scalar(path + ".max", ht->max_val())}, path);
    return path;
  }
  if (dynamic_cast<GlobalAvgPool2d*>(&layer)) {  // minicnn's gives (N, C): ONNX's (N, C, 1, 1), then Flatten
    node("GlobalAveragePool", path, {x}, path + ".pool");
    set_int(node("Flatten", path + ".flatten", {path + ".pool"}, path), "axis", 1);
    return path;
  }
  if (dynamic_cast<Flatten*>(&layer)) {
    set_int(node("Flatten", path, {x}, path), "axis", 1);
    return path;
  }
  if (auto* lr = dynamic_cast<LeakyReLU*>(&layer)) {
    set_float(node("LeakyRelu", path, {x}, path), "alpha", lr->negative_slope());
    return path;
  }
  if (dynamic_cast<ReLU*>(&layer)) return node("Relu", path, {x}, path).output(0);
  if (dynamic_cast<Tanh*>(&layer)) return node("Tanh", path, {x}, path).output(0);
  if (dynamic_cast<Sigmoid*>(&layer)) return node("Sigmoid", path, {x}, path).output(0);
  throw std::invalid_argument("export_onnx: layer " + path + " " + short_name(layer) +
                              " has no ONNX operator in minicnn's exporter (it writes Conv2d, Linear, BatchNorm2d, "
                              "MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, GlobalAvgPool2d, ConstantPad2d, Flatten, ReLU, "
                              "LeakyReLU, Hardtanh, ReLU6, Tanh, Sigmoid, "
                              "Dropout, Residual, Concat and Sequential)");
}

// (x - mean) / std, per channel: constants of shape (1, C, 1, 1), or (1) for one value for all.
void GraphWriter::add_normalization(const std::vector<float>& mean, const std::vector<float>& std, std::size_t channels,
                                    const std::string& x, const std::string& out) {
  const Ints dims = mean.size() == 1 ? Ints{1} : Ints{1, static_cast<std::int64_t>(channels), 1, 1};
  Tensor m = Tensor::from_shape({mean.size()}), s = Tensor::from_shape({std.size()});
  std::copy(mean.begin(), mean.end(), m.begin());
  std::copy(std.begin(), std.end(), s.begin());
  node("Sub", "normalize.sub", {x, initializer("normalize.mean", m, dims)}, "input.centered");
  node("Div", "normalize.div", {"input.centered", initializer("normalize.std", s, dims)}, out);
}

void GraphWriter::name_output(const std::string& last, const std::string& out) {
  for (int i = g_.node_size() - 1; i >= 0; --i)
    if (g_.node(i).output(0) == last) {
      g_.mutable_node(i)->set_output(0, out);
      return;
    }
  node("Identity", "output", {last}, out);  // a model of Dropouts only: no node produced it
}

// A tensor type with a symbolic batch dimension "N" first.
void set_type(onnx::ValueInfoProto& v, const std::string& name, const Shape& sample) {
  v.set_name(name);
  auto* t = v.mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  t->mutable_shape()->add_dim()->set_dim_param("N");
  for (const auto d : sample) t->mutable_shape()->add_dim()->set_dim_value(static_cast<std::int64_t>(d));
}

void check_options(const Shape& input_shape, const Shape& output_shape, const OnnxExportOptions& o) {
  if (o.mean.size() != o.std.size() ||
      (!o.mean.empty() && o.mean.size() != 1 && (input_shape.size() != 3 || o.mean.size() != input_shape[0])))
    throw std::invalid_argument("export_onnx: the normalisation has " + std::to_string(o.mean.size()) + " means and " +
                                std::to_string(o.std.size()) + " standard deviations for inputs " + shape_str(input_shape) +
                                "; give one value, or one per channel");
  for (const float s : o.std)
    if (!(s > 0.f)) throw std::invalid_argument("export_onnx: a normalisation standard deviation is not positive");
  if (!o.classes.empty() && (output_shape.size() != 1 || output_shape[0] != o.classes.size()))
    throw std::invalid_argument("export_onnx: " + std::to_string(o.classes.size()) + " class names for a model whose output is " +
                                shape_str(output_shape));
}

void add_metadata(onnx::ModelProto& m, const std::string& key, const std::string& value) {
  auto* p = m.add_metadata_props();
  p->set_key(key);
  p->set_value(value);
}

std::string doc_string(const std::string& spec, const Shape& input_shape, const Shape& output_shape, const OnnxExportOptions& o) {
  std::string s = "A minicnn model: " + spec + ".\nInput 'input' (N, " + shape_str(input_shape).substr(1) +
                  ": raw pixels scaled to [0, 1] (byte / 255), N any batch size";
  if (!o.mean.empty()) s += "; the nodes normalize.sub and normalize.div apply the training normalisation (x - mean) / std";
  s += ".\nOutput '" + std::string(o.softmax ? "probabilities" : "logits") + "' (N, " + shape_str(output_shape).substr(1) +
       (o.softmax ? ": class probabilities (Softmax)." : ": class scores before softmax.");
  if (!o.classes.empty()) s += " Class names: metadata 'classes'.";
  return s;
}

// The ONNX checker and strict shape inference (Python's onnx.checker.check_model(m, full_check=True)):
// a graph minicnn writes must pass both, or it is a bug here.
void check_model(const onnx::ModelProto& m) {
  try {
    onnx::checker::check_model(m);
    onnx::ModelProto inferred = m;
    onnx::shape_inference::InferShapes(inferred, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(/*check_type=*/true, /*strict_mode=*/1));
  } catch (const std::exception& e) {
    throw std::logic_error(std::string("export_onnx: the ONNX checker refuses the graph minicnn wrote: ") + e.what());
  }
}

}  // namespace

std::string onnx_bytes(Sequential& model, const Shape& input_shape, const OnnxExportOptions& options) {
  const Shape output_shape = sample_output_shape(model, input_shape);
  check_options(input_shape, output_shape, options);
  onnx::ModelProto m;
  m.set_ir_version(7);  // the IR version of opset 13 (ONNX 1.8)
  m.set_producer_name("minicnn");
  auto* opset = m.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOnnxOpset);
  onnx::GraphProto& g = *m.mutable_graph();
  g.set_name("minicnn");
  set_type(*g.add_input(), "input", input_shape);
  GraphWriter w(g);
  std::string x = "input";
  if (!options.mean.empty()) {
    w.add_normalization(options.mean, options.std, input_shape[0], x, "input.normalized");
    x = "input.normalized";
  }
  const std::string last = w.add_layer(model, "", x, input_shape);
  const std::string out = options.softmax ? "probabilities" : "logits";
  if (options.softmax) set_int(w.node("Softmax", "softmax", {last}, out), "axis", 1);
  else w.name_output(last, out);
  set_type(*g.add_output(), out, output_shape);
  const std::string spec = model.spec();  // after the graph: a layer with no operator is named there
  m.set_doc_string(doc_string(spec, input_shape, output_shape, options));
  if (!options.classes.empty()) add_metadata(m, "classes", nlohmann::json(options.classes).dump());
  if (!options.mean.empty())
    add_metadata(m, "normalization", nlohmann::json{{"mean", options.mean}, {"std", options.std}}.dump());
  add_metadata(m, "input", "raw pixels in [0, 1], (N, C, H, W)");
  add_metadata(m, "minicnn.spec", spec);
  if (!options.dataset.empty()) add_metadata(m, "dataset", options.dataset);
  check_model(m);
  return m.SerializeAsString();
}

void export_onnx(Sequential& model, const Shape& input_shape, const std::string& path, const OnnxExportOptions& options) {
  const std::string bytes = onnx_bytes(model, input_shape, options);
  write_file_atomic(path, bytes.data(), bytes.size());
}

}  // namespace minicnn
