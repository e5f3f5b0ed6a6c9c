#include "minicnn/core/sequential.hpp"

#include <iomanip>
#include <sstream>
#include <stdexcept>

namespace minicnn {

Shape sample_output_shape(Layer& layer, const Shape& input_shape) {
  Shape batch{1};
  batch.insert(batch.end(), input_shape.begin(), input_shape.end());
  const TrainingModeGuard eval(layer, false);
  const Tensor zeros = xt::zeros<float>(batch);
  Shape out = shape_of(layer.forward(zeros));
  out.erase(out.begin());
  return out;
}

std::vector<std::pair<std::string, Layer*>> named_layers(Layer& root) {
  std::vector<std::pair<std::string, Layer*>> all;
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

Layer& Sequential::add(std::unique_ptr<Layer> layer) {
  if (!layer) throw std::invalid_argument("Sequential::add: null layer");
  layer->set_training(training_);
  if (layers_.empty()) layer->set_needs_input_grad(needs_input_grad_);
  layers_.push_back(std::move(layer));
  return *layers_.back();
}

const Tensor& Sequential::forward(const Tensor& x) {
  if (layers_.empty()) throw std::logic_error("Sequential: forward on a model with no layers");
  const Tensor* h = &x;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    try {
      h = &layers_[i]->forward(*h);
    } catch (const std::invalid_argument& e) {  // say where in the model it happened
      throw std::invalid_argument("layer " + std::to_string(i) + ": " + e.what());
    }
  }
  return *h;
}

// The chain rule applied layer by layer: each layer turns dL/d(its output) into dL/d(its input).
const Tensor& Sequential::backward(const Tensor& dy) {
  if (layers_.empty()) throw std::logic_error("Sequential: backward on a model with no layers");
  const Tensor* g = &dy;
  for (std::size_t i = layers_.size(); i-- > 0;) {
    try {
      g = &layers_[i]->backward(*g);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("layer " + std::to_string(i) + ": " + e.what());
    }
  }
  return *g;
}

NamedParameters Sequential::parameters() {
  NamedParameters all;
  for (std::size_t i = 0; i < layers_.size(); ++i)
    for (auto& [n, p] : layers_[i]->parameters()) all.emplace_back(std::to_string(i) + "." + n, p);
  return all;
}

NamedBuffers Sequential::buffers() {
  NamedBuffers all;
  for (std::size_t i = 0; i < layers_.size(); ++i)
    for (auto& [n, b] : layers_[i]->buffers()) all.emplace_back(std::to_string(i) + "." + n, b);
  return all;
}

std::vector<std::pair<std::string, Layer*>> Sequential::children() {
  std::vector<std::pair<std::string, Layer*>> c;
  for (std::size_t i = 0; i < layers_.size(); ++i) c.emplace_back(std::to_string(i), layers_[i].get());
  return c;
}

std::string Sequential::name() const {
  std::string s = "Sequential(\n";
  for (std::size_t i = 0; i < layers_.size(); ++i) s += "  (" + std::to_string(i) + "): " + layers_[i]->name() + "\n";
  return s + ")";
}

std::string Sequential::spec() const {
  std::string s;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const std::string one = layers_[i]->spec();
    if (one.empty())
      throw std::logic_error("Sequential::spec: layer " + std::to_string(i) + " (" + layers_[i]->name() +
                             ") has no spec form; register it (see docs/EXTENDING.md) to save or rebuild it");
    s += (i ? ", " : "") + one;
  }
  return s;
}

void Sequential::set_training(bool on) {
  training_ = on;
  for (auto& l : layers_) l->set_training(on);
}

void Sequential::set_needs_input_grad(bool on) {
  needs_input_grad_ = on;
  if (!layers_.empty()) layers_[0]->set_needs_input_grad(on);
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

std::string Sequential::summary(const Shape& input_shape) {
  const auto shapes = output_shapes(input_shape);
  std::vector<std::string> names, outs{shape_str(input_shape)}, params;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    std::size_t count = 0, frozen = 0;
    for (auto& [n, p] : layers_[i]->parameters()) (p->frozen ? frozen : count) += p->value.size();
    names.push_back(layers_[i]->name());
    outs.push_back(shape_str(shapes[i]));
    params.push_back(std::to_string(count + frozen) + (frozen ? " (" + std::to_string(frozen) + " frozen)" : ""));
  }
  auto widest = [](const std::vector<std::string>& v, std::size_t at_least) {
    for (const auto& s : v) at_least = std::max(at_least, s.size());
    return static_cast<int>(at_least + 2);
  };
  const int wn = widest(names, 5), wo = widest(outs, 6), wp = widest(params, 6) - 2;
  std::ostringstream os;
  os << std::left << std::setw(4) << "#" << std::setw(wn) << "layer" << std::setw(wo) << "output" << std::right
     << std::setw(wp) << "params" << "\n";
  os << std::left << std::setw(4) << "" << std::setw(wn) << "input" << outs[0] << "\n";
  for (std::size_t i = 0; i < layers_.size(); ++i)
    os << std::left << std::setw(4) << i << std::setw(wn) << names[i] << std::setw(wo) << outs[i + 1] << std::right
       << std::setw(wp) << params[i] << "\n";
  const std::size_t total = num_parameters(), trainable = num_parameters(true);
  os << "parameters: " << total << " (" << trainable << " trainable, " << (total - trainable) << " frozen)\n";
  return os.str();
}

}  // namespace minicnn
