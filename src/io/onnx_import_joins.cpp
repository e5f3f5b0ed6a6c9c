// Pass 1 of the ONNX importer (src/io/onnx_importer.hpp): the nodes that join two or more
// activations, Add (a residual join, or a bias) and Concat (branches side by side by channel, or
// shape arithmetic). The dispatch is in onnx_import_shapes.cpp.
#include <string>

#include "io/onnx_importer.hpp"
#include "minicnn/layers/concat.hpp"

namespace minicnn::onnx_import {

// Two activations: a residual join. An activation and a weight: the bias of the MatMul before.
void Importer::op_add(const Node& n) {
  const Value& a = input(n, 0);
  const Value& b = input(n, 1);
  if (a.kind == Value::activation && b.kind == Value::activation) {
    const int x = activation(n, 0), y = activation(n, 1);
    if (acts_[static_cast<std::size_t>(x)].shape != acts_[static_cast<std::size_t>(y)].shape)
      fail(n, "adds " + shape_str(acts_[static_cast<std::size_t>(x)].shape) + " and " +
                  shape_str(acts_[static_cast<std::size_t>(y)].shape) + "; a residual join needs one shape");
    Act join(Act::add);
    join.input = x;
    join.other = y;
    join.idom = intersect(x, y);
    join.shape = acts_[static_cast<std::size_t>(x)].shape;
    add_act(n, std::move(join));
    return;
  }
  const int side = a.kind == Value::activation ? 0 : 1;
  const int x = activation(n, side);
  Act& lin = acts_[static_cast<std::size_t>(x)];
  if (!lin.matmul) fail(n, "adds a constant to an activation; minicnn reads that only as the bias of a MatMul");
  Weight bias = weight_tensor(n, 1 - side);
  Step& step = steps_[static_cast<std::size_t>(lin.step)];
  if (bias.size() != lin.shape[0]) fail(n, "bias " + shape_str(bias.shape()) + " does not fit the MatMul's " + shape_str(lin.shape));
  bias.reshape({lin.shape[0]});
  step.spec.resize(step.spec.size() - std::string(" bias=0").size());
  step.tensors.emplace_back("bias", std::move(bias));
  lin.matmul = false;
  pass(n, x, lin.shape);
}

// Activations side by side by channel: a concat join (Inception, Fire). Integer lists: shape arithmetic.
void Importer::op_concat(const Node& n) {
  bool acts = false;
  for (int i = 0; i < n.input_size(); ++i) acts = acts || input(n, i).kind == Value::activation;
  if (!acts) return op_shape_arithmetic(n);
  std::vector<int> joined;
  for (int i = 0; i < n.input_size(); ++i) joined.push_back(activation(n, i));
  const Shape& first = acts_[static_cast<std::size_t>(joined[0])].shape;
  const auto rank = static_cast<std::int64_t>(first.size()) + 1;  // with the batch
  const std::int64_t axis = attr_int(n, "axis", 1);
  if (axis != 1 && axis != 1 - rank)
    fail(n, "joins along axis " + std::to_string(axis) + "; minicnn's cat joins activations by channel (axis 1)");
  if (joined.size() == 1) {
    pass(n, joined[0], first);
    return;
  }
  Shape shape = first;
  shape[0] = 0;
  for (std::size_t i = 0; i < joined.size(); ++i) {
    const Shape& s = acts_[static_cast<std::size_t>(joined[i])].shape;
    if (!concat_compatible(first, s))
      fail(n, "joins input 0 " + shape_str(first) + " and input " + std::to_string(i) + " " + shape_str(s) +
                  " by channel; they must match in every size but the channels");
    shape[0] += s[0];
  }
  Act join(Act::concat);
  join.joined = joined;
  join.idom = joined[0];
  for (const int j : joined) join.idom = intersect(join.idom, j);
  join.shape = std::move(shape);
  add_act(n, std::move(join));
}

}  // namespace minicnn::onnx_import
