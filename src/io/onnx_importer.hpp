#pragma once
// Private to io/onnx_import*.cpp: the importer's data and passes (io/onnx.hpp says what it reads).
//
// 1. Read the nodes in order (ONNX stores them topologically sorted). Each name in the graph
//    becomes a Value: a weight (an initializer or a float Constant), a constant of integers
//    (Shape arithmetic), or an activation. Every node that computes an activation makes an Act: a
//    layer (with its spec item and tensors), a pass-through (Identity, the Flatten of a flat value,
//    the input normalisation, an all-zero Pad), an Add of two activations or a Concat of two or
//    more by channel, with the per-sample
//    shape ONNX gives it. Acts are numbered in topological order. (onnx_import_shapes.cpp, onnx_import_layers.cpp)
// 2. Walk back from the output. A layer joins the Sequential it is in; an Add becomes a Residual
//    block whose branches start at the Add's immediate dominator (the last act that every path
//    from the input to the Add passes through: where the branches fork) and are built the same
//    way; a Concat of activations (axis 1) becomes a Concat block the same way, one branch per
//    input in the input order. So a graph of chains, forks and joins becomes Sequential, Residual
//    and Concat blocks nested as they are in the graph. An act two blocks would share is refused:
//    that would duplicate its weights. (onnx_import.cpp)
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "io/onnx_file.hpp"
#include "minicnn/io/onnx.hpp"

namespace minicnn::onnx_import {

using Ints = std::vector<std::int64_t>;
constexpr std::int64_t kBatch = -(std::int64_t(1) << 62);  // the batch dimension inside shape arithmetic

// A weight as a layer will hold it, read from the file only when the model is loaded, straight
// into the layer's tensor: an import holds each weight once. What the handlers ask of it (its
// shape, a reshape, a transpose, a scale) costs nothing until then.
class Weight {
 public:
  Weight() = default;
  Weight(onnx_file::TensorRef data, Shape shape) : data_(data), shape_(std::move(shape)) {}
  explicit Weight(Tensor values)
      : shape_(values.shape().begin(), values.shape().end()), values_(std::move(values)), computed_(true) {}
  const Shape& shape() const { return shape_; }
  std::size_t shape(std::size_t i) const { return shape_.at(i); }
  std::size_t dimension() const { return shape_.size(); }
  std::size_t size() const;
  void reshape(Shape s) { shape_ = std::move(s); }  // to a shape of the same size
  Weight transposed() const;                        // a 2-D weight read as (columns, rows)
  void scale(float by) { scale_ *= by; }
  // The values, in a tensor of shape(); read_into writes them into one of that shape, and with
  // from_mapped_file gives back the file's pages as it goes, so a big weight's bytes are not all
  // in memory twice.
  Tensor tensor() const;
  void read_into(Tensor& out, bool from_mapped_file = false) const;

 private:
  onnx_file::TensorRef data_;
  Shape shape_;
  bool transpose_ = false;
  float scale_ = 1.f;
  Tensor values_;          // computed at import (small), read instead of data_
  bool computed_ = false;
};

// One layer read from the graph: its spec item and its tensors by role ("weight", "running_mean").
struct Step {
  std::string spec;
  std::vector<std::pair<std::string, Weight>> tensors;
};

// An activation. input and other are act numbers; idom is the immediate dominator.
struct Act {
  enum Kind { source, pass, layer, add, concat } kind;
  explicit Act(Kind k) : kind(k) {}
  int input = -1, other = -1, step = -1, idom = -1;
  std::vector<int> joined;  // concat: the acts it joins, in order
  Shape shape;              // per sample, as ONNX has it: (C, 1, 1) after GlobalAveragePool
  bool pooled = false;      // GlobalAveragePool's output: minicnn's globalavgpool flattens, so only a Flatten may read it
  bool softmax = false;     // a Softmax's output: only the graph's output may be it
  bool matmul = false;      // a Linear without bias from MatMul, which an Add of a bias may complete
  std::string node;         // "node '/fc/Gemm' (Gemm)"
};

// What a name in the graph stands for.
struct Value {
  enum Kind { activation, weight, ints, unusable } kind = unusable;
  int act = -1;
  const onnx::TensorProto* tensor = nullptr;  // weight (float)
  onnx_file::TensorRef data;                  // weight: its values (raw_data may be in the file)
  bool transposed = false;                    // a 2-D weight read through Transpose(perm=[1, 0])
  Ints values, dims;                          // ints: constant integers (kBatch for the batch size)
  std::string why;                            // unusable: what it is
};

// One entry of a Sequential being assembled: a layer step, a residual block (body, shortcut), or a
// concat block (branches).
struct Item {
  int step = -1;
  std::vector<Item> body, shortcut;
  bool post_relu = false;
  std::vector<std::vector<Item>> branches;
};

// Reads one ModelProto (already parsed within the limits); errors are std::runtime_error naming
// the file and, for a node, the node's name and op type.
class Importer {
 public:
  // skipped: where parse_model left the initializers' raw_data; mapped: they are in a mapped file,
  // whose pages the loader gives back once copied.
  Importer(const onnx::ModelProto& m, std::vector<onnx_file::TensorRef> skipped, bool mapped, std::string name)
      : m_(m), name_(std::move(name)), skipped_(std::move(skipped)), mapped_(mapped) {}
  OnnxImport run();

 private:
  using Node = onnx::NodeProto;
  [[noreturn]] void fail(const std::string& what) const { throw std::runtime_error(name_ + ": " + what); }
  [[noreturn]] void fail(const Node& n, const std::string& what) const { fail(describe(n) + ": " + what); }
  std::string describe(const Node& n) const;

  void read_header(OnnxImport& out);
  void read_initializers();
  void read_input(OnnxImport& out);
  void read_node(const Node& n);  // onnx_import_shapes.cpp: dispatches to the op_* handlers
  void read_output(OnnxImport& out);

  // Inputs of a node, by kind; each fails naming the node when the input is missing or not that kind.
  const Value& input(const Node& n, int i) const;
  bool has_input(const Node& n, int i) const { return i < n.input_size() && !n.input(i).empty(); }
  int activation(const Node& n, int i, bool flatten_ok = false) const;
  const onnx::TensorProto& weight(const Node& n, int i) const;
  Weight weight_tensor(const Node& n, int i, bool transpose = false) const;
  const Ints& constant_ints(const Node& n, int i) const;
  float constant_float(const Node& n, int i) const;

  const onnx::AttributeProto* attribute(const Node& n, const char* name, onnx::AttributeProto::AttributeType type) const;
  std::int64_t attr_int(const Node& n, const char* name, std::int64_t fallback) const;
  float attr_float(const Node& n, const char* name, float fallback) const;
  Ints attr_ints(const Node& n, const char* name, Ints fallback) const;
  std::string attr_string(const Node& n, const char* name, const std::string& fallback) const;

  void define(const Node& n, int output, Value v);
  int add_act(const Node& n, Act a);
  int add_layer(const Node& n, int input, Step step, Shape shape);
  int pass(const Node& n, int input, Shape shape);

  // One handler per operator.
  void op_constant(const Node& n);
  void op_shape_arithmetic(const Node& n);
  void op_reshape(const Node& n);
  void op_flatten(const Node& n);
  void op_identity(const Node& n);
  void op_transpose(const Node& n);
  void op_activation(const Node& n);
  void op_global_pool(const Node& n);
  void op_conv(const Node& n);
  void op_pool(const Node& n);
  void op_pad(const Node& n);
  void op_gemm(const Node& n);
  void op_matmul(const Node& n);
  void op_add(const Node& n);
  void op_concat(const Node& n);
  void op_normalize(const Node& n);
  void op_batch_norm(const Node& n);
  void op_dropout(const Node& n);
  void op_softmax(const Node& n);
  Ints node_pads(const Node& n, const Shape& in, const Ints& k, const Ints& s, const Ints& d) const;
  int add_pad_before(const Node& n, int x, const Ints& pads);

  // Pass 2.
  int intersect(int a, int b) const;
  std::vector<Item> chain(int from, int to, int depth);
  std::string write_spec(const std::vector<Item>& items, const std::string& prefix,
                         std::vector<std::pair<std::string, Weight>>& tensors) const;
  void load_tensors(Sequential& model, std::vector<std::pair<std::string, Weight>> tensors) const;

  const onnx::ModelProto& m_;
  std::string name_;
  std::vector<onnx_file::TensorRef> skipped_;
  bool mapped_ = false;
  int opset_ = 0;
  std::unordered_map<std::string, Value> values_;
  std::unordered_map<std::string, std::size_t> producer_, consumers_;  // node index writing a name; how many read it
  std::vector<Act> acts_;
  std::vector<Step> steps_;
  std::vector<bool> used_;
  std::vector<float> mean_, std_;
  std::vector<std::string> notes_;
  std::string input_name_;
  int normalized_ = -1;  // the act after the input normalisation's Sub
  int output_act_ = -1;
};

}  // namespace minicnn::onnx_import
