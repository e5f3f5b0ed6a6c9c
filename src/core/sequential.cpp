#include "minicnn/core/sequential.hpp"
#include "minicnn/core/registry.hpp"
#include "minicnn/core/kernel_path.hpp"

#include <iomanip>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace minicnn {

Shape sample_output_shape(Layer& layer, const Shape& input_shape) {
  Shape batch{1};
  batch.insert(batch.end(), input_shape.begin(), input_shape.end());
  Shape out = layer.output_shape(batch);
  out.erase(out.begin());
  return out;
}

NamedLayers named_layers(Layer& root) {
  NamedLayers all;
  for (auto& [name, child] : root.children()) {
    all.emplace_back(name, child);
    for (auto& [sub, layer] : named_layers(*child)) all.emplace_back(name + "." + sub, layer);
  }
  return all;
}

Layer* find_layer(Layer& root, const std::string& path) {
  for (auto& [p, layer] : named_layers(root))
    if (p == path) return layer;
  return nullptr;
}

NamedParameters prefixed_parameters(const NamedLayers& children) {
  NamedParameters all;
  for (const auto& [prefix, child] : children)
    for (auto& [n, p] : child->parameters()) all.emplace_back(prefix + "." + n, p);
  return all;
}

NamedBuffers prefixed_buffers(const NamedLayers& children) {
  NamedBuffers all;
  for (const auto& [prefix, child] : children)
    for (auto& [n, b] : child->buffers()) all.emplace_back(prefix + "." + n, b);
  return all;
}

std::string composite_name(const std::string& type, const std::vector<std::pair<std::string, const Layer*>>& children) {
  std::string s = type + "(\n";
  for (const auto& [name, child] : children) {
    std::string lines = child->name();
    for (auto at = lines.find('\n'); at != std::string::npos; at = lines.find('\n', at + 3)) lines.insert(at + 1, "  ");
    s += "  (" + name + "): " + lines + "\n";
  }
  return s + ")";
}

std::string short_name(const Layer& layer) {
  std::string n = layer.name();
  const auto newline = n.find('\n');
  if (newline == std::string::npos) return n;
  n.resize(newline);
  if (!n.empty() && n.back() == '(') n.pop_back();
  return n;
}

Layer& Sequential::add(std::unique_ptr<Layer> layer) {
  if (!layer) throw std::invalid_argument("Sequential::add: null layer");
  start_backward_at(0);
  fused_.clear();  // the next backward needs a forward of the new chain
  layer->set_training(training_);
  if (layers_.empty()) layer->set_needs_input_grad(needs_input_grad_);
  layers_.push_back(std::move(layer));
  return *layers_.back();
}

std::vector<std::unique_ptr<Layer>> Sequential::take_layers() {
  start_backward_at(0);
  fused_.clear();
  return std::exchange(layers_, {});
}

// Layers i and i + 1 may run as one (Layer::forward_with_next: a BatchNorm2d followed by a ReLU)
// when fusion is on and neither is observed by a hook: with a hook on either (explanations, the
// live page's feature maps) each runs as itself, so what the hook sees is that layer's own output.
// fused_[i] records a fused forward for backward.
bool Sequential::may_fuse(std::size_t i) const {
  return i + 1 < layers_.size() && !layers_[i]->hook() && !layers_[i + 1]->hook() && fusion_enabled();
}

const Tensor& Sequential::forward(const Tensor& x) {
  if (layers_.empty()) throw std::logic_error("Sequential: forward on a model with no layers");
  fused_.assign(layers_.size(), 0);  // capacity kept: no allocation once sized
  const Tensor* h = &x;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const bool fuse = may_fuse(i);  // outside the try: a bad MINICNN_FUSE is no layer's fault
    try {
      if (const Tensor* y = fuse ? layers_[i]->forward_with_next(*layers_[i + 1], *h) : nullptr) {
        h = y;
        fused_[i] = 1;
        ++i;  // the next layer's work is done
        continue;
      }
      h = &forward_child(*layers_[i], *h);
    } catch (const std::invalid_argument& e) {  // say where in the model it happened
      throw std::invalid_argument("layer " + std::to_string(i) + ": " + e.what());
    }
  }
  return *h;
}

// Each layer's output shape feeds the next, with forward's "layer i: " before a refusal.
Shape Sequential::output_shape(const Shape& input_shape) {
  if (layers_.empty()) throw std::logic_error("Sequential: forward on a model with no layers");
  Shape shape = input_shape;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    try {
      shape = layers_[i]->output_shape(shape);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("layer " + std::to_string(i) + ": " + e.what());
    }
  }
  return shape;
}

// The chain rule applied layer by layer: each layer turns dL/d(its output) into dL/d(its input).
// When nobody reads this Sequential's dx, the chain stops at the first layer with a trainable
// parameter: the layers before it (frozen, or with nothing to learn) need no gradient at all, and
// that layer computes no dx (as PyTorch's autograd records nothing before the first tensor that
// requires grad). Asked at every backward, so freezing or unfreezing takes effect at once.
const Tensor& Sequential::backward(const Tensor& dy) {
  if (layers_.empty()) throw std::logic_error("Sequential: backward on a model with no layers");
  std::size_t first = 0;
  if (!needs_input_grad_) {
    while (first < layers_.size() && !layers_[first]->has_trainable_parameters()) ++first;
    start_backward_at(first);
    if (first == layers_.size()) {  // nothing to learn and no dx wanted: nothing to compute
      ensure_shape(no_dx_, {0});
      return no_dx_;
    }
  }
  const Tensor* g = &dy;
  for (std::size_t i = layers_.size(); i-- > first;) {
    if (i > 0 && i < fused_.size() && fused_[i - 1]) continue;  // ran fused: layer i - 1 takes its part
    try {
      g = &backward_child(*layers_[i], *g);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("layer " + std::to_string(i) + ": " + e.what());
    }
  }
  return *g;
}

NamedParameters Sequential::parameters() { return prefixed_parameters(children()); }
NamedBuffers Sequential::buffers() { return prefixed_buffers(children()); }

bool Sequential::has_trainable_parameters() {
  for (auto& l : layers_)
    if (l->has_trainable_parameters()) return true;
  return false;
}

NamedLayers Sequential::children() {
  NamedLayers c;
  for (std::size_t i = 0; i < layers_.size(); ++i) c.emplace_back(std::to_string(i), layers_[i].get());
  return c;
}

std::vector<Shape> Sequential::children_input_shapes(const Shape& input_shape) {
  std::vector<Shape> in{input_shape};
  for (std::size_t i = 0; i + 1 < layers_.size(); ++i) in.push_back(sample_output_shape(*layers_[i], in.back()));
  return in;
}

std::string Sequential::name() const {
  std::vector<std::pair<std::string, const Layer*>> c;
  for (std::size_t i = 0; i < layers_.size(); ++i) c.emplace_back(std::to_string(i), layers_[i].get());
  return composite_name("Sequential", c);
}

std::string Sequential::spec() const {
  std::string s;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    std::string one = layers_[i]->spec();
    if (one.empty())
      throw std::logic_error("Sequential::spec: layer " + std::to_string(i) + " (" + short_name(*layers_[i]) +
                             ") has no spec form; register it (see docs/EXTENDING.md) to save or rebuild it");
    if (dynamic_cast<const Sequential*>(layers_[i].get())) one = "seq[" + one + "]";  // a nested block
    s += (i ? ", " : "") + one;
  }
  return s;
}

void Sequential::set_training(bool on) {
  training_ = on;
  for (auto& l : layers_) l->set_training(on);
}

void Sequential::set_needs_input_grad(bool on) {
  start_backward_at(0);
  needs_input_grad_ = on;
  if (!layers_.empty()) layers_[0]->set_needs_input_grad(on);
}

// Layer f becomes the first one backward runs, and computes no dx; the one that was first computes
// its dx again (layer 0's follows this Sequential's own needs_input_grad).
void Sequential::start_backward_at(std::size_t f) {
  if (f == first_backward_) return;
  if (first_backward_ < layers_.size()) layers_[first_backward_]->set_needs_input_grad(first_backward_ == 0 ? needs_input_grad_ : true);
  first_backward_ = f;
  if (f < layers_.size()) layers_[f]->set_needs_input_grad(f == 0 ? needs_input_grad_ : false);
}

std::size_t Sequential::num_parameters(bool trainable_only) {
  std::size_t n = 0;
  for (auto& [name, p] : parameters())
    if (!trainable_only || !p->frozen) n += p->value.size();
  return n;
}

std::vector<Shape> Sequential::output_shapes(const Shape& input_shape) {
  std::vector<Shape> shapes;
  Shape shape = input_shape;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    try {
      shape = sample_output_shape(*layers_[i], shape);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("layer " + std::to_string(i) + ": " + e.what());
    }
    shapes.push_back(shape);
  }
  return shapes;
}

namespace {

struct SummaryRow {
  std::string path, layer, output, params;
};

// The number of parameter values in a layer and everything inside it: "2320", or "2320 (144 frozen)".
std::string count_text(Layer& layer) {
  std::size_t count = 0, frozen = 0;
  for (auto& [n, p] : layer.parameters()) (p->frozen ? frozen : count) += p->value.size();
  return std::to_string(count + frozen) + (frozen ? " (" + std::to_string(frozen) + " frozen)" : "");
}

// One row per layer inside parent, depth first, each name indented two spaces per level. input is
// parent's per-sample input shape, or null when it is unknown (the shapes are then left blank).
void nested_rows(Layer& parent, const std::string& path, const Shape* input, std::size_t depth, std::vector<SummaryRow>& rows) {
  const NamedLayers children = parent.children();
  const std::vector<Shape> inputs = input ? parent.children_input_shapes(*input) : std::vector<Shape>{};
  for (std::size_t k = 0; k < children.size(); ++k) {
    Layer& child = *children[k].second;
    const Shape* in = k < inputs.size() ? &inputs[k] : nullptr;
    const std::string child_path = path + "." + children[k].first;  // not a reference into rows: it grows
    rows.push_back({child_path, std::string(2 * depth, ' ') + short_name(child),
                    in ? shape_str(sample_output_shape(child, *in)) : "", count_text(child)});
    nested_rows(child, child_path, in, depth + 1, rows);
  }
}

}  // namespace

std::string Sequential::summary(const Shape& input_shape) {
  const auto shapes = output_shapes(input_shape);
  std::vector<SummaryRow> rows;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    rows.push_back({std::to_string(i), short_name(*layers_[i]), shape_str(shapes[i]), count_text(*layers_[i])});
    nested_rows(*layers_[i], std::to_string(i), i ? &shapes[i - 1] : &input_shape, 1, rows);
  }
  std::size_t wi = 2, wn = 5, wo = std::max<std::size_t>(6, shape_str(input_shape).size()), wp = 6;
  for (const auto& r : rows) {
    wi = std::max(wi, r.path.size()), wn = std::max(wn, r.layer.size());
    wo = std::max(wo, r.output.size()), wp = std::max(wp, r.params.size());
  }
  std::ostringstream os;
  auto line = [&](const std::string& path, const std::string& layer, const std::string& output, const std::string& params) {
    os << std::left << std::setw(static_cast<int>(wi + 2)) << path << std::setw(static_cast<int>(wn + 2)) << layer
       << std::setw(static_cast<int>(wo + 2)) << output << std::right << std::setw(static_cast<int>(wp)) << params << "\n";
  };
  line("#", "layer", "output", "params");
  os << std::left << std::setw(static_cast<int>(wi + 2)) << "" << std::setw(static_cast<int>(wn + 2)) << "input"
     << shape_str(input_shape) << "\n";
  for (const auto& r : rows) line(r.path, r.layer, r.output, r.params);
  const std::size_t total = num_parameters(), trainable = num_parameters(true);
  os << "parameters: " << total << " (" << trainable << " trainable, " << (total - trainable) << " frozen)\n";
  return os.str();
}

MINICNN_REGISTER_LAYER(Sequential, "seq", "seq[LAYER, ...]", [](const LayerArgs& a, const Shape& input_shape) {
  a.expect_positional(0, 0);
  a.expect_blocks(1, 1);
  return a.build_block(0, input_shape);
});

}  // namespace minicnn
