#include "minicnn/core/registry.hpp"

#include <cctype>
#include <cmath>
#include <stdexcept>

namespace minicnn {

namespace {

std::map<std::string, LayerType>& registry() {
  static std::map<std::string, LayerType> r;  // function-local: safe to use from static initialisers
  return r;
}

const std::map<std::string, std::string>& presets() {
  static const std::map<std::string, std::string> p{
      {"lenet5",
       "conv 6 5 pad=2, relu, maxpool 2, conv 16 5, relu, maxpool 2, flatten, linear 120, relu, linear 84, relu, "
       "linear 10"},
      {"small", "conv 8 5, relu, maxpool 2, conv 16 5, relu, maxpool 2, flatten, linear 10"},
  };
  return p;
}

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// Parses a whole decimal number in [lo, kSpecMaxSize]; returns false if s is anything else.
bool parse_size(const std::string& s, std::size_t lo, std::size_t& out) {
  if (s.empty() || s.size() > 7) return false;
  std::size_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::size_t>(c - '0');
  }
  if (v < lo || v > kSpecMaxSize) return false;
  out = v;
  return true;
}

bool parse_size2(const std::string& s, std::size_t lo, Size2& out) {
  const auto x = s.find('x');
  if (x == std::string::npos) {
    std::size_t v;
    if (!parse_size(s, lo, v)) return false;
    out = Size2(v);
    return true;
  }
  std::size_t h, w;
  if (!parse_size(s.substr(0, x), lo, h) || !parse_size(s.substr(x + 1), lo, w)) return false;
  out = Size2(h, w);
  return true;
}

}  // namespace

LayerArgs::LayerArgs(std::string text, std::string type, std::vector<std::string> positional,
                     std::vector<std::pair<std::string, std::string>> named)
    : text_(std::move(text)), type_(std::move(type)), positional_(std::move(positional)), named_(std::move(named)) {}

void LayerArgs::fail(const std::string& message) const {
  throw std::invalid_argument("spec item '" + text_ + "': " + message);
}

void LayerArgs::expect_positional(std::size_t min, std::size_t max) const {
  if (positional_.size() < min || positional_.size() > max)
    fail("expected " + (min == max ? std::to_string(min) : std::to_string(min) + " to " + std::to_string(max)) +
         " value" + (max == 1 ? "" : "s") + " after '" + type_ + "', got " + std::to_string(positional_.size()));
}

std::size_t LayerArgs::count(std::size_t i, const char* what) const {
  if (i >= positional_.size()) fail(std::string("missing ") + what);
  std::size_t v;
  if (!parse_size(positional_[i], 1, v))
    fail(std::string(what) + " must be a whole number from 1 to " + std::to_string(kSpecMaxSize) + ", got '" +
         positional_[i] + "'");
  return v;
}

Size2 LayerArgs::size2(std::size_t i, const char* what) const {
  if (i >= positional_.size()) fail(std::string("missing ") + what);
  Size2 v;
  if (!parse_size2(positional_[i], 1, v))
    fail(std::string(what) + " must be N or HxW with whole numbers from 1 to " + std::to_string(kSpecMaxSize) +
         ", got '" + positional_[i] + "'");
  return v;
}

const std::string* LayerArgs::find(const std::string& key) const {
  used_.insert(key);
  for (const auto& [k, v] : named_)
    if (k == key) return &v;
  return nullptr;
}

bool LayerArgs::has(const std::string& key) const { return find(key) != nullptr; }

std::size_t LayerArgs::count(const std::string& key, std::size_t fallback) const {
  const std::string* s = find(key);
  if (!s) return fallback;
  std::size_t v;
  if (!parse_size(*s, 1, v))
    fail(key + " must be a whole number from 1 to " + std::to_string(kSpecMaxSize) + ", got '" + *s + "'");
  return v;
}

Size2 LayerArgs::size2(const std::string& key, Size2 fallback, bool allow_zero) const {
  const std::string* s = find(key);
  if (!s) return fallback;
  Size2 v;
  if (!parse_size2(*s, allow_zero ? 0 : 1, v))
    fail(key + " must be N or HxW with whole numbers from " + (allow_zero ? "0" : "1") + " to " +
         std::to_string(kSpecMaxSize) + ", got '" + *s + "'");
  return v;
}

float LayerArgs::number(const std::string& key, float fallback) const {
  const std::string* s = find(key);
  if (!s) return fallback;
  char* end = nullptr;
  const float v = std::strtof(s->c_str(), &end);
  if (s->empty() || *end != '\0' || !std::isfinite(v)) fail(key + " must be a finite number, got '" + *s + "'");
  return v;
}

bool LayerArgs::flag(const std::string& key, bool fallback) const {
  const std::string* s = find(key);
  if (!s) return fallback;
  if (*s == "1" || *s == "true") return true;
  if (*s == "0" || *s == "false") return false;
  fail(key + " must be 0, 1, true or false, got '" + *s + "'");
}

void LayerArgs::check_all_used(const std::string& usage) const {
  for (const auto& [k, v] : named_)
    if (!used_.count(k)) fail("unknown option '" + k + "' (usage: " + usage + ")");
}

bool register_layer(LayerType type) {
  if (type.type.empty() || !type.factory) throw std::logic_error("register_layer: empty type word or factory");
  auto& r = registry();
  if (r.count(type.type)) throw std::logic_error("register_layer: layer type '" + type.type + "' is already registered");
  r.emplace(type.type, std::move(type));
  return true;
}

const std::map<std::string, LayerType>& layer_types() { return registry(); }

std::vector<std::string> preset_names() {
  std::vector<std::string> names;
  for (const auto& [k, v] : presets()) names.push_back(k);
  return names;
}

std::string expand_preset(const std::string& spec) {
  const auto it = presets().find(trim(spec));
  return it == presets().end() ? spec : it->second;
}

std::unique_ptr<Sequential> build_model(const std::string& spec_or_preset, const Shape& input_shape) {
  const std::string spec = expand_preset(spec_or_preset);
  if (spec.size() > kSpecMaxLength)
    throw std::invalid_argument("model spec is " + std::to_string(spec.size()) + " characters long; the limit is " +
                                std::to_string(kSpecMaxLength));
  if (input_shape.empty() || input_shape.size() > 3)
    throw std::invalid_argument("build_model: input shape must be (C, H, W), (H, W) or (F), got " + shape_str(input_shape));
  double values = 1;
  for (const std::size_t d : input_shape) {
    if (d == 0 || d > kSpecMaxSize)
      throw std::invalid_argument("build_model: input shape " + shape_str(input_shape) + " has a size outside 1.." +
                                  std::to_string(kSpecMaxSize));
    values *= static_cast<double>(d);
  }
  if (values > static_cast<double>(kSpecMaxLayerWorkspace))  // the shape probe below allocates one input
    throw std::invalid_argument("build_model: input shape " + shape_str(input_shape) + " holds more than " +
                                std::to_string(kSpecMaxLayerWorkspace) + " values per sample");

  // Split into items at commas.
  std::vector<std::string> items;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= spec.size(); ++i)
    if (i == spec.size() || spec[i] == ',') {
      items.push_back(trim(spec.substr(start, i - start)));
      start = i + 1;
    }
  if (items.size() == 1 && items[0].empty())
    throw std::invalid_argument("model spec is empty; give a preset (" + std::string("lenet5, small") +
                                ") or layers such as \"conv 6 5, relu, flatten, linear 10\"");
  if (items.size() > kSpecMaxLayers)
    throw std::invalid_argument("model spec has " + std::to_string(items.size()) + " layers; the limit is " +
                                std::to_string(kSpecMaxLayers));

  auto model = std::make_unique<Sequential>();
  Shape shape = input_shape;
  for (std::size_t n = 0; n < items.size(); ++n) {
    const std::string& text = items[n];
    const std::string where = "spec item " + std::to_string(n + 1) + " '" + text + "': ";
    if (text.empty()) throw std::invalid_argument("spec item " + std::to_string(n + 1) + " is empty (two commas in a row?)");
    // Tokenise on whitespace; "key=value" tokens are options, the rest positional values.
    std::vector<std::string> tokens, positional;
    std::vector<std::pair<std::string, std::string>> named;
    std::size_t p = 0;
    while (p < text.size()) {
      while (p < text.size() && std::isspace(static_cast<unsigned char>(text[p]))) ++p;
      std::size_t q = p;
      while (q < text.size() && !std::isspace(static_cast<unsigned char>(text[q]))) ++q;
      if (q > p) tokens.push_back(text.substr(p, q - p));
      p = q;
    }
    std::string type = tokens[0];
    for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (std::size_t t = 1; t < tokens.size(); ++t) {
      const auto eq = tokens[t].find('=');
      if (eq == std::string::npos) {
        positional.push_back(tokens[t]);
        continue;
      }
      const std::string key = tokens[t].substr(0, eq);
      if (key.empty()) throw std::invalid_argument(where + "option '" + tokens[t] + "' has no name");
      for (const auto& [k, v] : named)
        if (k == key) throw std::invalid_argument(where + "option '" + key + "' given twice");
      named.emplace_back(key, tokens[t].substr(eq + 1));
    }
    const auto it = layer_types().find(type);
    if (it == layer_types().end()) {
      std::string known;
      for (const auto& [k, v] : layer_types()) known += (known.empty() ? "" : ", ") + k;
      throw std::invalid_argument(where + "unknown layer type '" + tokens[0] + "' (known: " + known + ")");
    }
    try {
      LayerArgs args(text, type, positional, named);
      std::unique_ptr<Layer> layer = it->second.factory(args, shape);
      args.check_all_used(it->second.usage);
      // Find this layer's output shape with a one-sample probe in eval mode (no statistics move).
      layer->set_training(false);
      Shape batch{1};
      batch.insert(batch.end(), shape.begin(), shape.end());
      const Tensor probe = xt::zeros<float>(batch);
      Shape out = shape_of(layer->forward(probe));
      out.erase(out.begin());
      layer->set_training(true);
      model->add(std::move(layer));
      shape = out;
    } catch (const std::invalid_argument& e) {
      const std::string msg = e.what();
      throw std::invalid_argument(msg.rfind("spec item '", 0) == 0 ? "spec item " + std::to_string(n + 1) + msg.substr(9)
                                                                   : where + msg);
    }
  }
  return model;
}

}  // namespace minicnn
