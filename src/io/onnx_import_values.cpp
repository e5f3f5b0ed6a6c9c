// The ONNX importer's reading of one node (src/io/onnx_importer.hpp): its inputs by kind (an
// activation, a weight, constant integers or a float), its attributes, and the values and acts it
// defines. Each read fails naming the node and op type when the graph does not hold what it needs.
#include <algorithm>
#include <cstring>
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

Weight Importer::weight_tensor(const Node& n, int i, bool transpose) const {
  const Value& v = input(n, i);
  if (v.kind != Value::weight) fail(n, "input '" + n.input(i) + "' must be a float initializer (a weight)");
  const onnx::TensorProto& t = *v.tensor;
  if (t.data_type() != onnx::TensorProto::FLOAT)
    fail(n, "initializer '" + t.name() + "' is " + onnx_file::type_name(t.data_type()) + "; minicnn reads FLOAT (float32) weights");
  try {
    onnx_file::check_data(v.data, "initializer '" + t.name() + "'", 4);
  } catch (const std::runtime_error& e) {
    fail(n, e.what());
  }
  Shape shape;
  for (const auto d : t.dims()) shape.push_back(static_cast<std::size_t>(d));
  Weight w(v.data, shape);
  if (!(transpose != v.transposed)) return w;
  if (shape.size() != 2) fail(n, "cannot transpose '" + t.name() + "' of dims " + shape_str(shape));
  return w.transposed();
}

// ---- weights, read when the model is loaded ----------------------------------------------------

std::size_t Weight::size() const {
  std::size_t n = 1;
  for (const auto d : shape_) n *= d;
  return n;
}

Weight Weight::transposed() const {
  Weight w = *this;
  w.transpose_ = !transpose_;
  w.shape_ = {shape_.at(1), shape_.at(0)};
  return w;
}

Tensor Weight::tensor() const {
  Tensor t = Tensor::from_shape(shape_);
  read_into(t);
  return t;
}

// The values in out (of shape()): copied from the file (or the TensorProto) 16 MiB at a time,
// transposed while they are copied when asked, then scaled.
void Weight::read_into(Tensor& out, bool from_mapped_file) const {
  float* o = out.data();
  const auto give_back = [&](const std::uint8_t* p, std::size_t n) {
    if (from_mapped_file && data_.has_raw) onnx_file::release(p, n);
  };
  if (computed_) {
    std::copy(values_.begin(), values_.end(), o);
  } else if (!data_.has_raw && !transpose_) {
    onnx_file::copy_floats(data_, o);
  } else if (!transpose_) {
    constexpr std::size_t kChunk = std::size_t(16) << 20;
    for (std::size_t at = 0; at < data_.raw_size; at += kChunk) {
      const std::size_t n = std::min<std::size_t>(kChunk, data_.raw_size - at);
      std::memcpy(reinterpret_cast<std::uint8_t*>(o) + at, data_.raw + at, n);  // little-endian hosts only
      give_back(data_.raw + at, n);
    }
  } else {
    // (rows, cols) in the file -> (cols, rows): read one row of the file at a time.
    const std::size_t rows = shape_[1], cols = shape_[0];
    std::vector<float> row(cols);
    for (std::size_t r = 0; r < rows; ++r) {
      if (data_.has_raw) std::memcpy(row.data(), data_.raw + 4 * r * cols, 4 * cols);
      else std::copy_n(data_.t->float_data().begin() + static_cast<std::ptrdiff_t>(r * cols), cols, row.begin());
      for (std::size_t c = 0; c < cols; ++c) o[c * rows + r] = row[c];
    }
    give_back(data_.raw, data_.raw_size);
  }
  if (scale_ != 1.f)
    for (std::size_t i = 0; i < out.size(); ++i) o[i] *= scale_;
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
    f = onnx_file::floats(v.data, "constant '" + n.input(i) + "'");
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
