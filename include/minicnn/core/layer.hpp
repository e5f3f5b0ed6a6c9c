#pragma once
// The layer contract. Every layer in minicnn, and every layer a user adds, follows it:
//
// 1. forward(x) returns y. y depends only on x, the parameters, the train/eval mode and, for a
//    random layer such as Dropout in training, draws from the seeded global generator. The
//    layer may keep copies of whatever backward needs (the input, a mask, argmax indices).
// 2. backward(dy) may be called only after a forward, with dy.shape() == y.shape(). It returns
//    dx = dL/dx with dx.shape() == x.shape(). Called first, it throws std::logic_error;
//    with a wrongly shaped dy, std::invalid_argument.
// 3. backward OVERWRITES every Parameter::grad with dL/dparam for this batch; it never adds to
//    it, so there is no zero_grad(). It may leave the grad of a frozen parameter untouched,
//    but it always returns dx.
// 4. The returned references point at buffers the layer owns. They stay valid until the next
//    forward/backward on the same layer: copy them to keep them longer.
// 5. In the per-batch loop a layer allocates nothing once shapes are stable: it refills its
//    buffers in place (ensure_shape, xt::noalias).
// 6. After set_needs_input_grad(false), backward may skip computing dx and return an empty
//    tensor; it still writes every parameter gradient. Training sets this on a model's first
//    layer, whose dx nobody reads (as PyTorch skips the gradient of an input that does not
//    require one). A Sequential told so skips the backward of every layer before its first one
//    with a trainable parameter (has_trainable_parameters), which gets needs_input_grad false:
//    fine-tuning a head behind frozen layers costs their forward only.
// 7. Bad input throws std::invalid_argument whose message names the layer, what it expected and
//    the shape it got: "Conv2d(1, 6, kernel_size=5): expected input (N, 1, H, W), got (8, 3, 28, 28)".
// 8. release_scratch() frees what forward and backward kept (a layer that keeps tensors of its
//    own overrides it), and output_shape() gives forward's output shape (and its refusals, as in
//    eval mode) without computing: a built model holds its weights and nothing more until it runs.
#include <string>
#include <utility>
#include <vector>

#include "minicnn/core/tensor.hpp"

namespace minicnn {

struct Parameter {
  Tensor value;         // e.g. Conv2d weight (OC, C, KH, KW)
  Tensor grad;          // same shape as value, written by backward()
  bool frozen = false;  // optimisers never change a frozen parameter
};

using NamedParameters = std::vector<std::pair<std::string, Parameter*>>;
// State that is saved with the model but not trained by gradients (BatchNorm running stats).
using NamedBuffers = std::vector<std::pair<std::string, Tensor*>>;
class Layer;
class LayerHook;
// A composite layer's children, each with the name its parameters are prefixed with ("0", "body").
using NamedLayers = std::vector<std::pair<std::string, Layer*>>;

class Layer {
 public:
  virtual ~Layer() = default;

  virtual const Tensor& forward(const Tensor& x) = 0;
  virtual const Tensor& backward(const Tensor& dy) = 0;

  // Trainable parameters, named as in PyTorch's state_dict ("weight", "bias").
  virtual NamedParameters parameters() { return {}; }
  virtual NamedBuffers buffers() { return {}; }
  // Whether any parameter here (or in a child) is not frozen: what a backward must reach. The
  // default asks parameters(); layers with parameters override it so that a Sequential can ask
  // during every backward without building names (see Sequential::backward).
  virtual bool has_trainable_parameters();

  // PyTorch-style description: "Conv2d(1, 6, kernel_size=5, stride=1, padding=2)". A composite
  // layer lists its children on the lines after "Sequential(" or "Residual(", indented, as
  // PyTorch prints nested modules.
  virtual std::string name() const = 0;
  // The model-spec text that rebuilds this layer, e.g. "conv 6 5 pad=2" (see core/spec.hpp).
  // Empty means the layer has no spec form, and a model holding it cannot be saved.
  virtual std::string spec() const { return {}; }

  // The layers a composite layer (Sequential, Residual) is made of, named as their parameters are
  // prefixed ("0", "body"). Plain layers have none. See named_layers() in core/sequential.hpp.
  virtual NamedLayers children() { return {}; }
  // The per-sample input shape of each child, in children() order, for a per-sample input of
  // input_shape: how summary() finds the output shapes of nested layers. Composite layers say how
  // they wire their children (Sequential: each gets the previous one's output; Residual: body and
  // shortcut both get the input); with none, summary() leaves the nested shapes out.
  virtual std::vector<Shape> children_input_shapes(const Shape& input_shape) {
    (void)input_shape;
    return {};
  }

  // The output shape forward would give for a batched input of input_shape (N, ...), found without
  // computing anything, and the same std::invalid_argument for an input forward would refuse in eval
  // mode (BatchNorm's training-only need for two values per channel is the batch's) (rule 8
  // in docs/STYLE.md). Building a model asks every layer for its output shape, so a model at any
  // input size is built, imported or summarised without allocating one activation. This default
  // runs a forward on zeros of that shape in eval mode and frees what it kept (release_scratch):
  // right for any layer, at the cost of its activations; every built-in layer overrides it.
  virtual Shape output_shape(const Shape& input_shape);

  // Runs this layer and `next`, the layer after it in a Sequential, as one pass when this layer knows
  // how, and returns their output; nullptr (the default): run them one after the other. After a
  // fused forward the Sequential calls this layer's backward with dL/d(next's output) and skips
  // next's. Only a Sequential calls it, with fusion on and neither layer hooked at the forward
  // (a hook set between a forward and its backward sees the pair as one; core/kernel_path.hpp;
  // BatchNorm2d + ReLU is the one fusion).
  virtual const Tensor* forward_with_next(Layer& next, const Tensor& x) {
    (void)next, (void)x;
    return nullptr;
  }

  // Train/eval mode, as model.train()/model.eval() in PyTorch: Dropout and BatchNorm behave
  // differently in each. Layers that do not care ignore it.
  virtual void set_training(bool on) { training_ = on; }
  bool training() const { return training_; }

  // Whether backward must compute dx (rule 6). Layers that ignore it always compute dx.
  virtual void set_needs_input_grad(bool on) { needs_input_grad_ = on; }
  bool needs_input_grad() const { return needs_input_grad_; }

  // Frees what forward and backward keep between calls (outputs, gradients, saved inputs,
  // workspaces), leaving the layer as it was built: parameters and buffers stay, a backward now
  // throws "called before forward", and the next forward allocates again (evaluate() calls it when
  // done, as the default output_shape does after its probe). This default frees the children's; a layer that keeps
  // tensors of its own overrides it (and calls this one if it has children).
  virtual void release_scratch();

  // An observer of this layer's output and of the gradient arriving at it, as PyTorch's forward
  // and backward hooks are (explain/ uses one to read a nested layer's maps and to start a backward
  // pass there). The composite layer that runs this one calls it (forward_child, backward_child
  // below); a model's root layer is never hooked. nullptr: none. The hook is not owned.
  void set_hook(LayerHook* hook) { hook_ = hook; }
  LayerHook* hook() const { return hook_; }

 protected:
  // The checks that open every backward (rule 2): throws std::logic_error("<name()>: backward called
  // before forward") unless forward_done, and std::invalid_argument("<name()>: backward expected dy
  // of shape (..), got (..)") unless dy has y's shape. Builds no string when the checks pass.
  void check_backward(bool forward_done, const Tensor& dy, const Tensor& y) const;

  bool training_ = true;
  bool needs_input_grad_ = true;

 private:
  LayerHook* hook_ = nullptr;
};

class LayerHook {
 public:
  virtual ~LayerHook() = default;
  // Called with the layer's output y right after its forward.
  virtual void after_forward(Layer& layer, const Tensor& y) = 0;
  // Called with dy = dL/dy before the layer's backward. Returning a tensor of dy's shape sends that
  // back through the layer instead of dy; nullptr keeps dy.
  virtual const Tensor* before_backward(Layer& layer, const Tensor& dy) = 0;
};

// How a composite layer runs a child: forward or backward, then (before) the child's hook if any.
inline const Tensor& forward_child(Layer& child, const Tensor& x) {
  const Tensor& y = child.forward(x);
  if (LayerHook* h = child.hook()) h->after_forward(child, y);
  return y;
}
inline const Tensor& backward_child(Layer& child, const Tensor& dy) {
  const Tensor* g = &dy;
  if (LayerHook* h = child.hook())
    if (const Tensor* replaced = h->before_backward(child, dy)) g = replaced;
  return child.backward(*g);
}

// Puts a layer in train or eval mode for the life of the guard, then restores the mode it had,
// also when an exception leaves the scope.
class TrainingModeGuard {
 public:
  TrainingModeGuard(Layer& layer, bool training) : layer_(layer), was_(layer.training()) { layer.set_training(training); }
  ~TrainingModeGuard() { layer_.set_training(was_); }
  TrainingModeGuard(const TrainingModeGuard&) = delete;
  TrainingModeGuard& operator=(const TrainingModeGuard&) = delete;

 private:
  Layer& layer_;
  bool was_;
};

}  // namespace minicnn
