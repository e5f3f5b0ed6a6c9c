// An ONNX graph back into a minicnn model (io/onnx.hpp): the model around the graph (header,
// initializers, input, output), pass 2 (src/io/onnx_importer.hpp) and the whole run. A node's
// inputs and attributes are read in onnx_import_values.cpp, the operators in
// onnx_import_shapes.cpp and onnx_import_layers.cpp.
#include "io/onnx_importer.hpp"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <onnx/defs/schema.h>

#include "io/onnx_file.hpp"
#include "minicnn/core/registry.hpp"

namespace minicnn::onnx_import {

// ---- the model around the graph ---------------------------------------------------------------

void Importer::read_header(OnnxImport& out) {
  for (const auto& o : m_.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") opset_ = static_cast<int>(o.version());
  if (opset_ == 0) fail("declares no ai.onnx opset; is it an ONNX model?");
  if (opset_ < 1 || opset_ > kOnnxMaxOpset)
    fail("uses opset " + std::to_string(opset_) + "; minicnn reads opsets " + std::to_string(kOnnxMinOpset) + " to " +
         std::to_string(kOnnxMaxOpset) + " (torch.onnx.export(..., opset_version=13) writes one it reads)");
  if (!m_.has_graph()) fail("holds no graph");
  // An older file reads as opset 7 when each of its operators has not changed since (ONNX's
  // generators write the opset an operator last changed in: GlobalAveragePool's is 1).
  for (int i = 0; opset_ < kOnnxMinOpset && i < m_.graph().node_size(); ++i) {
    const Node& n = m_.graph().node(i);
    const auto* then = onnx::OpSchemaRegistry::Schema(n.op_type(), opset_, n.domain());
    const auto* at_min = onnx::OpSchemaRegistry::Schema(n.op_type(), kOnnxMinOpset, n.domain());
    if (!then || !at_min || then->since_version() != at_min->since_version())
      fail("uses opset " + std::to_string(opset_) + "; minicnn reads opsets " + std::to_string(kOnnxMinOpset) + " to " +
           std::to_string(kOnnxMaxOpset) + ", and older files whose operators are as in opset " +
           std::to_string(kOnnxMinOpset) + ", which " + describe(n) + " is not (torch.onnx.export(..., "
           "opset_version=13) writes one it reads)");
  }
  out.opset = opset_;
  opset_ = std::max(opset_, kOnnxMinOpset);
  out.producer = m_.producer_name() + (m_.producer_version().empty() ? "" : " " + m_.producer_version());
  for (const auto& p : m_.metadata_props()) out.metadata[p.key()] = p.value();
  const auto classes = out.metadata.find("classes");
  if (classes == out.metadata.end()) return;
  try {
    out.classes = nlohmann::json::parse(classes->second).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception&) {
    notes_.push_back("its metadata 'classes' is not a JSON list of names; ignored");
  }
}

void Importer::read_initializers() {
  const auto& g = m_.graph();
  if (g.sparse_initializer_size() > 0) fail("holds sparse initializers, which minicnn does not read");
  for (int i = 0; i < g.initializer_size(); ++i) {
    const onnx::TensorProto& t = g.initializer(i);
    const std::size_t at = static_cast<std::size_t>(i);
    const onnx_file::TensorRef data = at < skipped_.size() && skipped_[at].has_raw ? skipped_[at] : onnx_file::ref(t);
    Value v;
    if (t.data_type() == onnx::TensorProto::FLOAT) {
      v.kind = Value::weight;
      v.tensor = &t;
      v.data = data;
      onnx_file::check_data(data, name_ + ": initializer '" + t.name() + "'", 4);
    } else if (t.data_type() == onnx::TensorProto::INT64 || t.data_type() == onnx::TensorProto::INT32) {
      v.kind = Value::ints;
      v.values = onnx_file::ints(data, name_ + ": initializer '" + t.name() + "'");
      v.dims.assign(t.dims().begin(), t.dims().end());
    } else {
      v.why = "an initializer of type " + onnx_file::type_name(t.data_type()) + ", which no operator minicnn reads takes";
    }
    if (t.name().empty() || !values_.emplace(t.name(), std::move(v)).second)
      fail("has two initializers named '" + t.name() + "'");
  }
}

// The one graph input that is not an initializer (files before IR 4 list the weights as inputs
// too): float (N, C, H, W) with C, H and W fixed, or (N, F) with F fixed (an MLP on flat vectors).
void Importer::read_input(OnnxImport& out) {
  std::vector<const onnx::ValueInfoProto*> inputs;
  for (const auto& in : m_.graph().input())
    if (!values_.count(in.name())) inputs.push_back(&in);
  if (inputs.size() != 1)
    fail("has " + std::to_string(inputs.size()) + " graph inputs besides its weights; minicnn models take one batch of images");
  const onnx::ValueInfoProto& in = *inputs[0];
  const auto& type = in.type().tensor_type();
  const int rank = type.shape().dim_size();
  if (!in.type().has_tensor_type() || type.elem_type() != onnx::TensorProto::FLOAT || (rank != 4 && rank != 2))
    fail("input '" + in.name() + "' must be a float tensor (N, C, H, W) or (N, F)");
  for (int i = 1; i < rank; ++i) {
    const auto& d = type.shape().dim(i);
    if (!d.has_dim_value() || d.dim_value() < 1 || d.dim_value() > static_cast<std::int64_t>(kSpecMaxSize))
      fail("input '" + in.name() + "' must have fixed sizes from 1 to " + std::to_string(kSpecMaxSize) + " for " +
           (rank == 4 ? "C, H and W" : "F") + ", got dimension " + std::to_string(i) + " = " +
           (d.has_dim_value() ? std::to_string(d.dim_value()) : "'" + d.dim_param() + "'"));
    out.input_shape.push_back(static_cast<std::size_t>(d.dim_value()));
  }
  const auto& batch = type.shape().dim(0);
  if (batch.has_dim_value())
    notes_.push_back("the file fixes the batch size at " + std::to_string(batch.dim_value()) + "; the minicnn model takes any");
  input_name_ = in.name();
  Act source(Act::source);
  source.shape = out.input_shape;
  source.node = "the input '" + in.name() + "'";
  acts_.push_back(source);
  Value v;
  v.kind = Value::activation;
  v.act = 0;
  values_.emplace(in.name(), v);
}

void Importer::read_output(OnnxImport& out) {
  (void)out;
  const auto& g = m_.graph();
  if (g.output_size() != 1)
    fail("has " + std::to_string(g.output_size()) + " graph outputs; minicnn models have one (the class scores)");
  const std::string& name = g.output(0).name();
  const auto it = values_.find(name);
  if (it == values_.end() || it->second.kind != Value::activation)
    fail("its output '" + name + "' is not computed from the input by any node");
  const Act& a = acts_[static_cast<std::size_t>(it->second.act)];
  if (a.pooled)
    notes_.push_back("the output is GlobalAveragePool's (N, C, 1, 1); minicnn's globalavgpool gives the same values as (N, C)");
  if (a.softmax)
    notes_.push_back("the final Softmax is left out: minicnn models output logits (eval and predict apply softmax)");
  output_act_ = it->second.act;
}

// ---- pass 2: blocks from the graph --------------------------------------------------------------

// The nearest act both a and b are reached through (acts are numbered topologically, and an act's
// idom always has a smaller number).
int Importer::intersect(int a, int b) const {
  while (a != b) {
    while (a > b) a = acts_[static_cast<std::size_t>(a)].idom;
    while (b > a) b = acts_[static_cast<std::size_t>(b)].idom;
  }
  return a;
}

// The layers that turn act `from` into act `to`, from `to` back to `from`.
std::vector<Item> Importer::chain(int from, int to, int depth) {
  std::vector<Item> items;
  for (int cur = to; cur != from;) {
    Act& a = acts_[static_cast<std::size_t>(cur)];
    if (cur < from || a.kind == Act::source) fail(a.node + ": its input does not come through the block it is in");
    if (used_[static_cast<std::size_t>(cur)])
      fail(a.node + ": its output feeds two branches that meet later in a way minicnn's Sequential, Residual and "
                    "Concat blocks cannot express");
    used_[static_cast<std::size_t>(cur)] = true;
    if (a.kind == Act::add) {
      if (depth >= static_cast<int>(kSpecMaxDepth)) fail(a.node + ": residual blocks nested deeper than " + std::to_string(kSpecMaxDepth));
      std::vector<Item> lhs = chain(a.idom, a.input, depth + 1), rhs = chain(a.idom, a.other, depth + 1);
      if (lhs.empty() && rhs.empty()) fail(a.node + ": adds a value to itself; minicnn has no layer for 2x");
      Item block;
      const bool lhs_is_body = lhs.size() >= rhs.size();  // the longer branch is the body, as in x + f(x)
      block.body = std::move(lhs_is_body ? lhs : rhs);
      block.shortcut = std::move(lhs_is_body ? rhs : lhs);
      items.push_back(std::move(block));
      cur = a.idom;
      continue;
    }
    if (a.kind == Act::concat) {
      if (depth >= static_cast<int>(kSpecMaxDepth)) fail(a.node + ": blocks nested deeper than " + std::to_string(kSpecMaxDepth));
      Item block;
      for (std::size_t j = 0; j < a.joined.size(); ++j) {
        block.branches.push_back(chain(a.idom, a.joined[j], depth + 1));
        if (block.branches.back().empty())
          fail(a.node + ": its input " + std::to_string(j) + " is the value its branches start from, unchanged; "
                        "minicnn's cat needs a layer in every branch");
      }
      items.push_back(std::move(block));
      cur = a.idom;
      continue;
    }
    if (a.kind == Act::layer) items.push_back(Item{a.step, {}, {}, false, {}});
    cur = a.input;
  }
  std::reverse(items.begin(), items.end());
  // A residual block followed by a ReLU: res[...] post=relu.
  for (std::size_t i = 0; i + 1 < items.size(); ++i)
    if (items[i].step < 0 && items[i].branches.empty() && !items[i].post_relu && items[i + 1].step >= 0 &&
        steps_[static_cast<std::size_t>(items[i + 1].step)].spec == "relu") {
      items[i].post_relu = true;
      items.erase(items.begin() + static_cast<std::ptrdiff_t>(i) + 1);
    }
  return items;
}

// The spec of a list of items, and their tensors under the names the model will give them.
std::string Importer::write_spec(const std::vector<Item>& items, const std::string& prefix,
                                 std::vector<std::pair<std::string, Weight>>& tensors) const {
  std::string spec;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Item& item = items[i];
    const std::string path = prefix + std::to_string(i);
    spec += i ? ", " : "";
    if (item.step >= 0) {
      const Step& s = steps_[static_cast<std::size_t>(item.step)];
      spec += s.spec;
      for (const auto& [role, t] : s.tensors) tensors.emplace_back(path + "." + role, t);
      continue;
    }
    if (!item.branches.empty()) {
      spec += "cat";
      for (std::size_t j = 0; j < item.branches.size(); ++j)
        spec += "[" + write_spec(item.branches[j], path + "." + std::to_string(j) + ".", tensors) + "]";
      continue;
    }
    spec += "res[" + write_spec(item.body, path + ".body.", tensors) + "]";
    if (!item.shortcut.empty()) spec += "(" + write_spec(item.shortcut, path + ".shortcut.", tensors) + ")";
    if (item.post_relu) spec += " post=relu";
  }
  return spec;
}

// Every parameter (and BatchNorm's running statistics) from the graph; num_batches_tracked, which
// ONNX does not hold, stays 0. Each is copied from the file straight into the model, and the file's
// pages it came from are given back, so the memory in use is the model's and one weight's.
void Importer::load_tensors(Sequential& model, std::vector<std::pair<std::string, Weight>> tensors) const {
  std::vector<std::pair<std::string, Tensor*>> targets;
  for (auto& [n, p] : model.parameters()) targets.emplace_back(n, &p->value);
  for (auto& [n, b] : model.buffers()) targets.emplace_back(n, b);
  std::size_t loaded = 0;
  for (const auto& target_entry : targets) {  // not a structured binding: C++17 lambdas cannot capture one
    const std::string& n = target_entry.first;
    Tensor* target = target_entry.second;
    const auto it = std::find_if(tensors.begin(), tensors.end(), [&](const auto& t) { return t.first == n; });
    if (it == tensors.end()) {
      if (n.size() >= 19 && n.compare(n.size() - 19, 19, "num_batches_tracked") == 0) continue;
      throw std::logic_error("import_onnx: no tensor for " + n);
    }
    if (it->second.shape() != Shape(target->shape().begin(), target->shape().end()))
      fail("tensor for '" + n + "' has shape " + shape_str(it->second.shape()) + ", the model expects " +
           shape_str(target->shape()));
    it->second.read_into(*target, mapped_);
    ++loaded;
  }
  if (loaded != tensors.size()) throw std::logic_error("import_onnx: tensors left over after loading the model");
}

OnnxImport Importer::run() {
  OnnxImport out;
  read_header(out);
  const auto& g = m_.graph();
  if (static_cast<std::size_t>(g.node_size()) > kOnnxMaxNodes)
    fail("has " + std::to_string(g.node_size()) + " nodes; minicnn reads at most " + std::to_string(kOnnxMaxNodes));
  for (int i = 0; i < g.node_size(); ++i) {
    for (const auto& o : g.node(i).output()) producer_.emplace(o, static_cast<std::size_t>(i));
    for (const auto& in : g.node(i).input()) ++consumers_[in];
  }
  for (const auto& o : g.output()) ++consumers_[o.name()];
  read_initializers();
  read_input(out);
  for (const auto& n : g.node()) read_node(n);
  read_output(out);
  used_.assign(acts_.size(), false);
  std::vector<std::pair<std::string, Weight>> tensors;
  out.spec = write_spec(chain(0, output_act_, 0), "", tensors);
  for (std::size_t i = 0; i < acts_.size(); ++i)
    if (acts_[i].kind == Act::layer && !used_[i]) notes_.push_back(acts_[i].node + " does not lead to the output; left out");
  if (out.spec.empty() && out.input_shape.size() == 1) {
    out.spec = "flatten";  // the identity on (N, F): a graph of a Softmax alone, say
    notes_.push_back("the graph has no layer; the model is a flatten, the identity on (N, " +
                     std::to_string(out.input_shape[0]) + ")");
  }
  if (out.spec.empty()) fail("computes its output without any layer");
  try {
    out.model = build_model(out.spec, out.input_shape);
  } catch (const std::invalid_argument& e) {
    fail(std::string("the model read from it does not build: ") + e.what());
  }
  load_tensors(*out.model, std::move(tensors));
  out.mean = mean_;
  out.std = std_;
  out.notes = notes_;
  return out;
}

}  // namespace minicnn::onnx_import

namespace minicnn {

OnnxImport parse_onnx(const std::uint8_t* data, std::size_t size, const std::string& name) {
  onnx::ModelProto m;
  std::vector<onnx_file::TensorRef> skipped;
  onnx_file::parse_model(data, size, name, m, skipped);
  return onnx_import::Importer(m, std::move(skipped), /*mapped=*/false, name).run();
}

OnnxImport import_onnx(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw std::runtime_error(path + ": cannot read it: it is a folder");
  const onnx_file::MappedFile file(path);
  onnx::ModelProto m;
  std::vector<onnx_file::TensorRef> skipped;
  onnx_file::parse_model(file.data(), file.size(), path, m, skipped);
  return onnx_import::Importer(m, std::move(skipped), /*mapped=*/true, path).run();
}

}  // namespace minicnn
