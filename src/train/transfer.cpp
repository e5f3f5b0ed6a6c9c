#include "minicnn/train/transfer.hpp"

#include <algorithm>
#include <stdexcept>

#include "minicnn/core/registry.hpp"
#include "minicnn/core/spec.hpp"
#include "minicnn/core/text.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/io/onnx.hpp"
#include "minicnn/layers/conv2d.hpp"
#include "minicnn/layers/linear.hpp"
#include "minicnn/train/errors.hpp"
#include "minicnn/train/run_record.hpp"

namespace minicnn {

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

SourceModel from_onnx(const std::string& path) {
  OnnxImport m = import_onnx(path);
  SourceModel s;
  s.path = path, s.spec = m.spec, s.input_shape = m.input_shape, s.classes = m.classes, s.norm = {m.mean, m.std};
  // Moved out, not copied: a big model is held once.
  for (auto& [n, p] : m.model->parameters()) s.tensors.emplace_back(n, std::move(p->value));
  for (auto& [n, b] : m.model->buffers()) s.tensors.emplace_back(n, std::move(*b));
  return s;
}

SourceModel from_checkpoint(const std::string& given) {
  const std::string path = checkpoint_path(given);
  CheckpointFile file = read_checkpoint(path);
  RunRecord record;
  try {
    record = RunRecord::read_from(file.info);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(path + ": unreadable metadata (" + e.what() + ")");
  }
  SourceModel s;
  s.path = given, s.spec = file.info.spec, s.input_shape = file.info.input_shape, s.classes = record.classes,
  s.norm = record.norm;
  for (auto& [n, t] : file.arrays)
    if (n.rfind("optimizer.", 0) != 0) s.tensors.emplace_back(n, std::move(t));
  return s;
}

// The index of the last top-level layer with weights: the classifier, when it is a Linear or a
// 1x1 Conv2d; the spec of a fresh one with K outputs goes to *head_spec.
std::size_t find_head(Sequential& model, const std::string& source, std::size_t K, std::string* head_spec) {
  std::size_t h = model.size();
  for (std::size_t i = model.size(); i-- > 0;)
    if (!model[i].parameters().empty()) {
      h = i;
      break;
    }
  if (h == model.size()) throw UsageError("--from " + source + ": the model has no layer with weights, so no classifier to replace");
  const std::string no = "--from " + source + ": the model's last layer with weights, " + std::to_string(h) + " (" +
                         short_name(model[h]) + "), is not a classifier --new-head can replace: ";
  if (auto* fc = dynamic_cast<Linear*>(&model[h])) {
    *head_spec = "linear " + std::to_string(K) + (fc->has_bias() ? "" : " bias=0");
    return h;
  }
  if (auto* conv = dynamic_cast<Conv2d*>(&model[h])) {
    const Conv2dOptions& o = conv->options();
    if (!(o.kernel_size() == Size2(1) && o.stride() == Size2(1) && o.padding() == Size2(0) && o.dilation() == Size2(1) &&
          o.groups() == 1))
      throw UsageError(no + "a Conv2d head must be 1x1 with stride 1, no padding, no dilation and no groups, as SqueezeNet's");
    *head_spec = "conv " + std::to_string(K) + " 1" + (conv->has_bias() ? "" : " bias=0");
    return h;
  }
  throw UsageError(no + "expected a Linear, or a 1x1 Conv2d as SqueezeNet's");
}

std::string spec_with(Sequential& model, std::size_t h, const std::string& head_spec) {
  std::vector<std::string> items;
  for (std::size_t i = 0; i < model.size(); ++i) {
    const std::string s = i == h ? head_spec : model[i].spec();
    if (s.empty()) throw std::runtime_error("layer " + std::to_string(i) + " (" + short_name(model[i]) + ") has no spec form");
    items.push_back(s);
  }
  return join(items);
}

std::unique_ptr<Sequential> build_for(const std::string& spec, const Shape& input, const SourceModel& src) {
  try {
    return build_model(spec, input);
  } catch (const std::invalid_argument& e) {  // SpecError, or a layer refusing its input
    throw UsageError("--from " + src.path + ": its layers do not fit inputs " + shape_str(input) + " (it was made for " +
                     shape_str(src.input_shape) + "; without --image-size and --channels the data is resized to that): " +
                     e.what());
  }
}

}  // namespace

SourceModel read_source_model(const std::string& path) {
  return ends_with(path, ".onnx") ? from_onnx(path) : from_checkpoint(path);
}

Transfer transfer_model(SourceModel src, const Shape& input, const std::vector<std::string>& classes, std::size_t new_head) {
  const std::size_t K = classes.size();
  if (new_head != 0 && new_head != K)
    throw UsageError("--new-head " + std::to_string(new_head) + ": the data has " + std::to_string(K) + " classes (" + join(classes) +
                     "); the new head has one output per class");
  Transfer t;
  std::string head_spec;
  std::size_t h = 0;
  {  // the source's own layers, only to find the head: released before the model is built again
    std::unique_ptr<Sequential> as_is = build_for(src.spec, input, src);
    h = find_head(*as_is, src.path, K, &head_spec);
    t.head_path = std::to_string(h);
    t.old_head = (*as_is)[h].name();
    const bool keep = new_head == 0 && src.classes == classes;
    t.spec = keep ? src.spec : spec_with(*as_is, h, head_spec);
  }
  t.model = build_for(t.spec, input, src);
  if (t.spec != src.spec) t.new_head = (*t.model)[h].name();
  const std::string fresh = t.head_path + ".";
  std::vector<std::pair<std::string, Tensor*>> targets;
  for (auto& [n, p] : t.model->parameters()) targets.emplace_back(n, &p->value);
  for (auto& [n, b] : t.model->buffers()) targets.emplace_back(n, b);
  for (auto& [n, target] : targets) {
    if (!t.new_head.empty() && n.rfind(fresh, 0) == 0) continue;  // the new head keeps its initialisation
    const auto it = std::find_if(src.tensors.begin(), src.tensors.end(), [&](const auto& e) { return e.first == n; });
    if (it == src.tensors.end()) throw std::runtime_error(src.path + ": has no tensor '" + n + "', which its own architecture has");
    if (it->second.shape() != target->shape())
      throw UsageError("--from " + src.path + ": tensor '" + n + "' is " + shape_str(it->second.shape()) + " there but " +
                       shape_str(target->shape()) + " for inputs " + shape_str(input) + " (the model was made for " +
                       shape_str(src.input_shape) + "; leave out --image-size to resize the data to that)");
    *target = std::move(it->second);
  }
  return t;
}

FreezeCounts freeze_until(Sequential& model, const std::string& path) {
  const NamedLayers layers = named_layers(model);
  const auto at = std::find_if(layers.begin(), layers.end(), [&](const auto& l) { return l.first == path; });
  if (at == layers.end()) {
    std::string top;
    if (model.size()) top = " (its top-level layers are 0 to " + std::to_string(model.size() - 1) + "; 'minicnn summary --model MODEL' lists every path)";
    throw UsageError("--freeze-until " + path + ": the model has no layer at this path" + top);
  }
  FreezeCounts c;
  for (auto it = layers.begin(); it != at + 1; ++it) {
    const std::string& p = it->first;
    if (it != at && path.rfind(p + ".", 0) == 0) continue;  // an enclosing block: only its layers up to path
    for (auto& [n, param] : it->second->parameters()) param->frozen = true;
    if (c.first.empty()) c.first = p.substr(0, p.find('.'));
  }
  c.last = path;
  for (auto& [n, p] : model.parameters()) (p->frozen ? c.frozen : c.trainable) += p->value.size();
  if (c.trainable == 0)
    throw UsageError("--freeze-until " + path + ": freezes every parameter of the model, so there is nothing left to train");
  return c;
}

}  // namespace minicnn
