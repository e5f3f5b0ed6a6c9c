// Pass 1 of the ONNX importer (src/io/onnx_importer.hpp), its dispatch and the nodes that make no
// layer: constants, shape arithmetic (Shape, Gather, Unsqueeze, Concat feeding a Reshape), Reshape,
// Flatten, Identity and Transpose. The operators that become layers are in onnx_import_layers.cpp.
#include <algorithm>
#include <map>
#include <string>

#include "io/onnx_file.hpp"
#include "io/onnx_importer.hpp"

namespace minicnn::onnx_import {

namespace {

std::size_t elements(const Shape& s) {
  std::size_t n = 1;
  for (const auto d : s) n *= d;
  return n;
}

}  // namespace

void Importer::read_node(const Node& n) {
  using Handler = void (Importer::*)(const Node&);
  static const std::map<std::string, Handler> handlers{
      {"Constant", &Importer::op_constant},       {"Shape", &Importer::op_shape_arithmetic},
      {"Gather", &Importer::op_shape_arithmetic}, {"Unsqueeze", &Importer::op_shape_arithmetic},
      {"Concat", &Importer::op_concat}, {"Reshape", &Importer::op_reshape},
      {"Flatten", &Importer::op_flatten},         {"Identity", &Importer::op_identity},
      {"Transpose", &Importer::op_transpose},     {"Relu", &Importer::op_activation},
      {"LeakyRelu", &Importer::op_activation},    {"Tanh", &Importer::op_activation},
      {"Sigmoid", &Importer::op_activation},      {"Conv", &Importer::op_conv},
      {"MaxPool", &Importer::op_pool},            {"AveragePool", &Importer::op_pool},
      {"GlobalAveragePool", &Importer::op_global_pool}, {"Pad", &Importer::op_pad},
      {"Gemm", &Importer::op_gemm},               {"MatMul", &Importer::op_matmul},
      {"Add", &Importer::op_add},                 {"Sub", &Importer::op_normalize},
      {"Div", &Importer::op_normalize},           {"BatchNormalization", &Importer::op_batch_norm},
      {"Dropout", &Importer::op_dropout},         {"Softmax", &Importer::op_softmax},
      {"Clip", &Importer::op_activation},
  };
  if (!n.domain().empty() && n.domain() != "ai.onnx")
    fail(n, "is an operator of domain '" + n.domain() + "', which minicnn does not read");
  const auto it = handlers.find(n.op_type());
  if (it == handlers.end()) {
    std::string known;
    for (const auto& [op, h] : handlers) known += (known.empty() ? "" : ", ") + op;
    fail(n, "minicnn has no layer for this operator (it reads " + known + ")");
  }
  if (n.output_size() == 0 || n.output(0).empty()) fail(n, "has no output");
  (this->*it->second)(n);
}

// ---- constants and shape arithmetic -------------------------------------------------------------

void Importer::op_constant(const Node& n) {
  Value v;
  if (const auto* a = attribute(n, "value", onnx::AttributeProto::TENSOR)) {
    const onnx::TensorProto& t = a->t();
    const std::string what = describe(n) + ": its value";
    if (t.data_type() == onnx::TensorProto::FLOAT) {
      v.kind = Value::weight;
      v.tensor = &t;
      v.data = onnx_file::ref(t);
      onnx_file::element_count(t, name_ + ": " + what);
    } else {
      try {
        v.values = onnx_file::ints(t, what);
      } catch (const std::runtime_error& e) {
        fail(e.what());
      }
      v.kind = Value::ints;
      v.dims.assign(t.dims().begin(), t.dims().end());
    }
  } else if (const auto* i = attribute(n, "value_int", onnx::AttributeProto::INT)) {
    v.kind = Value::ints;
    v.values = {i->i()};
  } else if (const auto* is = attribute(n, "value_ints", onnx::AttributeProto::INTS)) {
    v.kind = Value::ints;
    v.values.assign(is->ints().begin(), is->ints().end());
    v.dims = {static_cast<std::int64_t>(v.values.size())};
  } else {
    fail(n, "only value (a tensor), value_int and value_ints constants are read");
  }
  define(n, 0, std::move(v));
}

// Shape, Gather, Unsqueeze and Concat on integer constants: what x.view(x.size(0), -1) exports
// as, computing the target shape of the Reshape that follows.
void Importer::op_shape_arithmetic(const Node& n) {
  const std::string& op = n.op_type();
  Value out;
  out.kind = Value::ints;
  if (op == "Shape") {
    if (attribute(n, "start", onnx::AttributeProto::INT) || attribute(n, "end", onnx::AttributeProto::INT))
      fail(n, "Shape with start or end is not read");
    const Act& a = acts_[static_cast<std::size_t>(activation(n, 0, true))];
    out.values = {kBatch};
    for (const auto d : a.shape) out.values.push_back(static_cast<std::int64_t>(d));
    out.dims = {static_cast<std::int64_t>(out.values.size())};
  } else if (op == "Gather") {
    const Value& data = input(n, 0);
    const Ints& index = constant_ints(n, 1);
    if (data.kind != Value::ints || data.dims.size() != 1 || attr_int(n, "axis", 0) != 0)
      fail(n, "only Gather(axis=0) of a 1-D list of integers is read (shape arithmetic)");
    for (std::int64_t i : index) {
      if (i < 0) i += static_cast<std::int64_t>(data.values.size());
      if (i < 0 || i >= static_cast<std::int64_t>(data.values.size())) fail(n, "index out of range");
      out.values.push_back(data.values[static_cast<std::size_t>(i)]);
    }
    out.dims = input(n, 1).dims;
  } else if (op == "Unsqueeze") {
    const Value& data = input(n, 0);
    const Ints axes = opset_ >= 13 ? constant_ints(n, 1) : attr_ints(n, "axes", {});
    if (data.kind != Value::ints || !data.dims.empty() || axes != Ints{0})
      fail(n, "only Unsqueeze(axes=[0]) of one integer is read (shape arithmetic)");
    out.values = data.values;
    out.dims = {1};
  } else {  // Concat
    if (attr_int(n, "axis", 0) != 0) fail(n, "only Concat(axis=0) of integer lists is read (shape arithmetic)");
    for (int i = 0; i < n.input_size(); ++i) {
      const Value& v = input(n, i);
      if (v.kind != Value::ints || v.dims.size() != 1) fail(n, "only Concat(axis=0) of integer lists is read (shape arithmetic)");
      out.values.insert(out.values.end(), v.values.begin(), v.values.end());
    }
    out.dims = {static_cast<std::int64_t>(out.values.size())};
  }
  define(n, 0, std::move(out));
}

// Reshape to (N, features): a flatten, as x.view(x.size(0), -1) or x.view(-1, 400) export.
void Importer::op_reshape(const Node& n) {
  const int x = activation(n, 0, true);
  const Ints& t = constant_ints(n, 1);
  const Act& a = acts_[static_cast<std::size_t>(x)];
  const auto features = static_cast<std::int64_t>(elements(a.shape));
  const bool batch_first = t.size() == 2 && (t[0] == kBatch || t[0] == 0 || (t[0] == -1 && t[1] == features));
  if (!batch_first || (t[1] != -1 && t[1] != features) || attr_int(n, "allowzero", 0) != 0) {
    Ints shown = t;
    std::replace(shown.begin(), shown.end(), kBatch, std::int64_t(-2));
    fail(n, "reshapes " + shape_str(a.shape) + " to " + onnx_file::dims_str(shown) +
                " (-2: the batch size); minicnn reads only a flatten to (N, " + std::to_string(features) + ")");
  }
  if (a.shape.size() == 1 || a.pooled) pass(n, x, {static_cast<std::size_t>(features)});
  else add_layer(n, x, {"flatten", {}}, {static_cast<std::size_t>(features)});
}

// Flatten(axis) makes (product of the dims before axis, product of the rest); with axis 1 (or
// -rank + 1, opset 11 on) that is (N, features). Any other axis moves samples between rows.
void Importer::op_flatten(const Node& n) {
  const int x = activation(n, 0, true);
  const Act& a = acts_[static_cast<std::size_t>(x)];
  const auto rank = static_cast<std::int64_t>(a.pooled ? 4 : a.shape.size() + 1);
  const std::int64_t axis = attr_int(n, "axis", 1);
  if (axis != 1 && axis != 1 - rank)
    fail(n, "axis " + std::to_string(axis) + " is not read: only Flatten(axis=1) keeps the samples of a batch apart, "
            "as minicnn's flatten does");
  const std::size_t features = elements(a.shape);
  if (a.shape.size() == 1 || a.pooled) pass(n, x, {features});  // flat already (globalavgpool flattens)
  else add_layer(n, x, {"flatten", {}}, {features});
}

void Importer::op_identity(const Node& n) {
  const Value& v = input(n, 0);
  if (v.kind != Value::activation) define(n, 0, v);
  else pass(n, activation(n, 0), acts_[static_cast<std::size_t>(v.act)].shape);
}

// A weight read through Transpose(perm=[1, 0]): how an unfolded Linear feeds MatMul.
void Importer::op_transpose(const Node& n) {
  Value v = input(n, 0);
  if (v.kind != Value::weight || v.tensor->dims_size() != 2 || attr_ints(n, "perm", {1, 0}) != Ints{1, 0})
    fail(n, "only the 2-D transpose of a weight is read");
  v.transposed = !v.transposed;
  define(n, 0, v);
}

}  // namespace minicnn::onnx_import
