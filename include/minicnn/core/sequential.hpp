#pragma once
#include <memory>
#include <vector>

#include "minicnn/core/layer.hpp"

namespace minicnn {

// The per-sample output shape of a layer for a per-sample input shape (e.g. {1, 28, 28} -> {6, 28, 28}):
// Layer::output_shape for a batch of one, which computes nothing and allocates no activation (a
// layer that does not say runs a one-sample forward on zeros in eval mode, then frees it).
Shape sample_output_shape(Layer& layer, const Shape& input_shape);

// Every layer below root, depth first, each with its dotted path as parameters are named:
// "0", "3", "3.body", "3.body.0", ... (root itself is not listed).
NamedLayers named_layers(Layer& root);
// The layer at a dotted path, or nullptr.
Layer* find_layer(Layer& root, const std::string& path);
// The parameters (buffers) of a composite layer's children, each name prefixed with its child's:
// child "0" gives "0.weight", child "body" gives "body.0.weight", as PyTorch's state_dict names
// nested modules. Sequential and Residual both return exactly this.
NamedParameters prefixed_parameters(const NamedLayers& children);
NamedBuffers prefixed_buffers(const NamedLayers& children);
// A composite layer's name(), as PyTorch prints nested modules: type, then one line per child
// with its own name indented under it ("Residual(\n  (body): Sequential(\n    (0): ...\n  )\n)").
std::string composite_name(const std::string& type, const std::vector<std::pair<std::string, const Layer*>>& children);
// A layer's name() on one line: a composite's first line without its "(" ("Sequential", "Residual").
std::string short_name(const Layer& layer);

// The first layer of type L in depth-first order (the first conv of a model), or nullptr; its path
// goes to *path if given.
template <class L>
L* first_layer(Layer& root, std::string* path = nullptr) {
  for (auto& [p, layer] : named_layers(root))
    if (auto* l = dynamic_cast<L*>(layer)) {
      if (path) *path = p;
      return l;
    }
  return nullptr;
}

// Layers applied in order. forward runs them first to last, backward last to first, and
// parameters() names each child's parameters with its index, as PyTorch's state_dict does:
// "0.weight", "0.bias", "3.weight", ...
// A Sequential is a layer too, so one can sit inside another (spec "seq[conv 8 3, relu]"), and
// its parameters then read "2.0.weight", as for an nn.Sequential inside an nn.Sequential.
class Sequential final : public Layer {
 public:
  Sequential() = default;

  // Appends a layer and returns it, so it can still be configured: model.add<Conv2d>(1, 6, 5).set_kernel(...)
  template <class L, class... Args>
  L& add(Args&&... args) {
    auto layer = std::make_unique<L>(std::forward<Args>(args)...);
    L& ref = *layer;
    add(std::move(layer));
    return ref;
  }
  Layer& add(std::unique_ptr<Layer> layer);
  // Hands every layer over to the caller, leaving this Sequential empty (to splice the layers of a
  // built model into another one).
  std::vector<std::unique_ptr<Layer>> take_layers();

  const Tensor& forward(const Tensor& x) override;
  Shape output_shape(const Shape& input_shape) override;
  // With set_needs_input_grad(false), starts at the first layer with a trainable parameter (the
  // ones before it get no backward) and returns an empty dx.
  const Tensor& backward(const Tensor& dy) override;
  NamedParameters parameters() override;
  NamedBuffers buffers() override;
  bool has_trainable_parameters() override;
  NamedLayers children() override;
  std::vector<Shape> children_input_shapes(const Shape& input_shape) override;
  std::string name() const override;          // "Sequential(" + one child per line + ")"
  // The children's specs joined by ", "; a Sequential nested inside is written "seq[...]".
  std::string spec() const override;
  void set_training(bool on) override;
  // Passed to the first layer: the only one whose dx leaves the model.
  void set_needs_input_grad(bool on) override;
  void train() { set_training(true); }
  void eval() { set_training(false); }

  std::size_t size() const { return layers_.size(); }
  Layer& operator[](std::size_t i) { return *layers_.at(i); }
  const Layer& operator[](std::size_t i) const { return *layers_.at(i); }

  // Number of parameter values; only the trainable (not frozen) ones if trainable_only.
  std::size_t num_parameters(bool trainable_only = false);
  // The per-layer output shapes for one sample of shape input_shape (e.g. {1, 28, 28}), each found
  // with sample_output_shape.
  std::vector<Shape> output_shapes(const Shape& input_shape);
  // A table: index, layer, output shape, parameter count; then the totals. The layers inside a
  // composite layer follow it, indented, with their paths ("3.body.0"); a composite's count is
  // that of everything inside it.
  std::string summary(const Shape& input_shape);

 private:
  void start_backward_at(std::size_t f);
  // Whether forward may ask layer i to run with layer i + 1 (Layer::forward_with_next).
  bool may_fuse(std::size_t i) const;

  std::vector<unsigned char> fused_;  // fused_[i]: the last forward ran layers i and i + 1 as one
  std::vector<std::unique_ptr<Layer>> layers_;
  std::size_t first_backward_ = 0;  // the first layer the last backward ran (layers_.size(): none)
  Tensor no_dx_;                    // the empty dx of a backward that had nothing to compute
};

}  // namespace minicnn
