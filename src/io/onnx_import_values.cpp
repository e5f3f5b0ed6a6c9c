// The ONNX importer's reading of one node (src/io/onnx_importer.hpp): its inputs by kind (an
// activation, a weight, constant integers or a float), its attributes, and the values and acts it
// defines. Each read fails naming the node and op type when the graph does not hold what it needs.
#include <algorithm>
#include <string>

#include "io/onnx_file.hpp"
#include "io/onnx_importer.hpp"

namespace minicnn::onnx_import {

std::string Importer::describe(const Node& n) const {
  return "node '" + (n.name().empty() ? n.output_size() ? n.output(0) : std::string("?") : n.name()) + "' (" +
         n.op_type() + ")";
}

// ---- inputs and attributes ------------------------------------------------------------------

const Value& Importer::input(const Node& n, int i) const {
  if (!has_input(n, i)) fail(n, "input " + std::to_string(i + 1) + " is missing");
  const std::string& v = n.input(i);
  const auto it = values_.find(v);
  if (it != values_.end()) {
    if (it->second.kind == Value::unusable) fail(n, "reads '" + v + "', " + it->second.why);
    return it->second;
  }
  const auto p = producer_.find(v);
  if (p != producer_.end())
    fail(n, "reads '" + v + "' before " + describe(m_.graph().node(static_cast<int>(p->second))) +
                " writes it: the nodes are out of order or form a cycle");
  fail(n, "reads '" + v + "', which no node, initializer or graph input defines");
}

int Importer::activation(const Node& n, int i, bool flatten_ok) const {
  const Value& v = input(n, i);
  if (v.kind != Value::activation) fail(n, "input '" + n.input(i) + "' must be computed from the image, not a constant");
  const Act& a = acts_[static_cast<std::size_t>(v.act)];
  if (a.pooled && !flatten_ok)
    fail(n, "reads the output of GlobalAveragePool before a Flatten; minicnn's globalavgpool flattens its output");
  if (a.softmax) fail(n, "reads the output of a Softmax; minicnn has no softmax layer, only the model's output may be one");
  return v.act;
}

const onnx::TensorProto& Importer::weight(const Node& n, int i) const {
  const Value& v = input(n, i);
  if (v.kind != Value::weight) fail(n, "input '" + n.input(i) + "' must be a float initializer (a weight)");
  if (v.transposed) fail(n, "input '" + n.input(i) + "' is transposed, which only MatMul and Gemm can read");
  return *v.tensor;
}

Tensor Importer::weight_tensor(const Node& n, int i, bool transpose) const {
  const Value& v = input(n, i);
  if (v.kind != Value::weight) fail(n, "input '" + n.input(i) + "' must be a float initializer (a weight)");
  const onnx::TensorProto& t = *v.tensor;
  std::vector<float> data;
  try {
    data = onnx_file::floats(t, "initializer '" + t.name() + "'");
  } catch (const std::runtime_error& e) {
    fail(n, e.what());
  }
  Shape shape;
  for (const auto d : t.dims()) shape.push_back(static_cast<std::size_t>(d));
  Tensor w = Tensor::from_shape(shape);
  std::copy(data.begin(), data.end(), w.begin());
  if (!(transpose != v.transposed)) return w;
  if (shape.size() != 2) fail(n, "cannot transpose '" + t.name() + "' of dims " + shape_str(shape));
  Tensor wt = Tensor::from_shape({shape[1], shape[0]});
  for (std::size_t r = 0; r < shape[0]; ++r)
    for (std::size_t c = 0; c < shape[1]; ++c) wt.data()[c * shape[0] + r] = w.data()[r * shape[1] + c];
  return wt;
}

const Ints& Importer::constant_ints(const Node& n, int i) const {
  const Value& v = input(n, i);
  if (v.kind != Value::ints) fail(n, "input '" + n.input(i) + "' must be a constant of integers");
  return v.values;
}

float Importer::constant_float(const Node& n, int i) const {
  const Value& v = input(n, i);
  if (v.kind == Value::ints && v.values.size() == 1) return static_cast<float>(v.values[0]);
  if (v.kind != Value::weight) fail(n, "input '" + n.input(i) + "' must be a constant number");
  std::vector<float> f;
  try {
    f = onnx_file::floats(*v.tensor, "constant '" + n.input(i) + "'");
  } catch (const std::runtime_error& e) {
    fail(n, e.what());
  }
  if (f.size() != 1) fail(n, "input '" + n.input(i) + "' must be one number, got " + std::to_string(f.size()));
  return f[0];
}

const onnx::AttributeProto* Importer::attribute(const Node& n, const char* name, onnx::AttributeProto::AttributeType type) const {
  for (const auto& a : n.attribute())
    if (a.name() == name) {
      if (a.type() != type)
        fail(n, std::string("attribute '") + name + "' is " + onnx::AttributeProto_AttributeType_Name(a.type()) +
                    ", expected " + onnx::AttributeProto_AttributeType_Name(type));
      return &a;
    }
  return nullptr;
}
std::int64_t Importer::attr_int(const Node& n, const char* name, std::int64_t fallback) const {
  const auto* a = attribute(n, name, onnx::AttributeProto::INT);
  return a ? a->i() : fallback;
}
float Importer::attr_float(const Node& n, const char* name, float fallback) const {
  const auto* a = attribute(n, name, onnx::AttributeProto::FLOAT);
  return a ? a->f() : fallback;
}
Ints Importer::attr_ints(const Node& n, const char* name, Ints fallback) const {
  const auto* a = attribute(n, name, onnx::AttributeProto::INTS);
  return a ? Ints(a->ints().begin(), a->ints().end()) : fallback;
}
std::string Importer::attr_string(const Node& n, const char* name, const std::string& fallback) const {
  const auto* a = attribute(n, name, onnx::AttributeProto::STRING);
  return a ? a->s() : fallback;
}

// ---- defining values and acts ----------------------------------------------------------------

void Importer::define(const Node& n, int output, Value v) {
  if (output >= n.output_size() || n.output(output).empty()) return;
  const std::string& name = n.output(output);
  if (values_.count(name)) fail(n, "writes '" + name + "', which is already defined (ONNX names are written once)");
  values_.emplace(name, std::move(v));
}

int Importer::add_act(const Node& n, Act a) {
  a.node = describe(n);
  acts_.push_back(std::move(a));
  const int id = static_cast<int>(acts_.size()) - 1;
  Value v;
  v.kind = Value::activation;
  v.act = id;
  define(n, 0, v);
  return id;
}

int Importer::add_layer(const Node& n, int input, Step step, Shape shape) {
  steps_.push_back(std::move(step));
  Act a(Act::layer);
  a.input = a.idom = input;
  a.step = static_cast<int>(steps_.size()) - 1;
  a.shape = std::move(shape);
  return add_act(n, std::move(a));
}

int Importer::pass(const Node& n, int input, Shape shape) {
  Act a(Act::pass);
  a.input = a.idom = input;
  a.shape = std::move(shape);
  return add_act(n, std::move(a));
}

}  // namespace minicnn::onnx_import
