#include "minicnn/core/registry.hpp"
#include "minicnn/core/text.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace minicnn {

namespace {

std::map<std::string, LayerType>& registry() {
  static std::map<std::string, LayerType> r;  // function-local: safe to use from static initialisers
  return r;
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
  std::size_t h, w;
  if (x == std::string::npos) {
    if (!parse_size(s, lo, h)) return false;
    out = Size2(h);
    return true;
  }
  if (!parse_size(s.substr(0, x), lo, h) || !parse_size(s.substr(x + 1), lo, w)) return false;
  out = Size2(h, w);
  return true;
}

// "1", "1x2" or "0x1x0x1": whole numbers in [lo, kSpecMaxSize] joined by 'x', as many as one of lengths.
bool parse_sizes(const std::string& s, std::size_t lo, const std::vector<std::size_t>& lengths, std::vector<std::size_t>& out) {
  std::vector<std::size_t> v;
  std::size_t from = 0;
  while (true) {
    const auto x = s.find('x', from);
    std::size_t n;
    if (!parse_size(s.substr(from, x == std::string::npos ? std::string::npos : x - from), lo, n)) return false;
    v.push_back(n);
    if (x == std::string::npos) break;
    from = x + 1;
  }
  if (std::find(lengths.begin(), lengths.end(), v.size()) == lengths.end()) return false;
  out = std::move(v);
  return true;
}

std::string lengths_text(const std::vector<std::size_t>& lengths) {
  std::string t;
  for (std::size_t i = 0; i < lengths.size(); ++i)
    t += (i == 0 ? "" : i + 1 == lengths.size() ? " or " : ", ") + std::to_string(lengths[i]);
  return t;
}

std::string range_text(std::size_t lo) { return "whole number from " + std::to_string(lo) + " to " + std::to_string(kSpecMaxSize); }

std::unique_ptr<Sequential> build_sequential(const std::vector<SpecItem>& items, const Shape& input_shape);

// One item: the factory builds the layer, then its output_shape gives the next item's input shape.
std::unique_ptr<Layer> build_item(const SpecItem& item, Shape& shape) {
  const auto it = layer_types().find(item.type);
  if (it == layer_types().end()) {
    std::vector<std::string> known;
    for (const auto& [k, v] : layer_types()) known.push_back(k);
    throw SpecError(item.where() + "unknown layer type '" + item.type + "'" + suggestion(item.type, known) + " (known: " +
                    join(known) + ")");
  }
  try {
    const LayerArgs args(item, build_sequential);
    std::unique_ptr<Layer> layer = it->second.factory(args, shape);
    args.check_all_used(it->second.usage);
    shape = sample_output_shape(*layer, shape);
    double values = 1;  // the output a forward would allocate: no activation is computed to find it
    for (const std::size_t d : shape) values *= static_cast<double>(d);
    if (values > static_cast<double>(kSpecMaxLayerWorkspace))
      throw SpecError(item.where() + "its output " + shape_str(shape) + " is over the limit of " +
                      std::to_string(kSpecMaxLayerWorkspace) + " values per image");
    return layer;
  } catch (const SpecError&) {
    throw;  // already names its item (this one, or one inside a block)
  } catch (const std::invalid_argument& e) {  // from a layer's constructor or forward
    throw SpecError(item.where() + e.what());
  }
}

std::unique_ptr<Sequential> build_sequential(const std::vector<SpecItem>& items, const Shape& input_shape) {
  auto model = std::make_unique<Sequential>();
  Shape shape = input_shape;
  for (const SpecItem& item : items) model->add(build_item(item, shape));
  return model;
}

void check_input_shape(const Shape& input_shape) {
  if (input_shape.empty() || input_shape.size() > 3)
    throw SpecError("build_model: input shape must be (C, H, W), (H, W) or (F), got " + shape_str(input_shape));
  double values = 1;
  for (const std::size_t d : input_shape) {
    if (d == 0 || d > kSpecMaxSize)
      throw SpecError("build_model: input shape " + shape_str(input_shape) + " has a size outside 1.." +
                      std::to_string(kSpecMaxSize));
    values *= static_cast<double>(d);
  }
  if (values > static_cast<double>(kSpecMaxLayerWorkspace))  // one sample must fit a forward
    throw SpecError("build_model: input shape " + shape_str(input_shape) + " holds more than " +
                    std::to_string(kSpecMaxLayerWorkspace) + " values per sample");
}

}  // namespace

LayerArgs::LayerArgs(const SpecItem& item, BlockBuilder build_block) : item_(item), build_block_(std::move(build_block)) {}

void LayerArgs::fail(const std::string& message) const { throw SpecError(item_.where() + message); }

void LayerArgs::expect_positional(std::size_t min, std::size_t max) const {
  const std::size_t n = item_.positional.size();
  if (n < min || n > max)
    fail("expected " + (min == max ? std::to_string(min) : std::to_string(min) + " to " + std::to_string(max)) +
         " value" + (max == 1 ? "" : "s") + " after '" + item_.type + "', got " + std::to_string(n));
}

std::size_t LayerArgs::count(std::size_t i, const char* what) const {
  if (i >= item_.positional.size()) fail(std::string("missing ") + what);
  std::size_t v;
  if (!parse_size(item_.positional[i], 1, v))
    fail(std::string(what) + " must be a " + range_text(1) + ", got '" + item_.positional[i] + "'");
  return v;
}

Size2 LayerArgs::size2(std::size_t i, const char* what) const {
  if (i >= item_.positional.size()) fail(std::string("missing ") + what);
  Size2 v;
  if (!parse_size2(item_.positional[i], 1, v))
    fail(std::string(what) + " must be N or HxW with whole numbers from 1 to " + std::to_string(kSpecMaxSize) +
         ", got '" + item_.positional[i] + "'");
  return v;
}

std::vector<std::size_t> LayerArgs::sizes(std::size_t i, const char* what, std::size_t lo,
                                          const std::vector<std::size_t>& lengths) const {
  if (i >= item_.positional.size()) fail(std::string("missing ") + what);
  std::vector<std::size_t> v;
  if (!parse_sizes(item_.positional[i], lo, lengths, v))
    fail(std::string(what) + " must be " + lengths_text(lengths) + " whole numbers from " + std::to_string(lo) + " to " +
         std::to_string(kSpecMaxSize) + " joined by 'x', got '" + item_.positional[i] + "'");
  return v;
}

std::vector<std::size_t> LayerArgs::sizes(const std::string& key, std::size_t lo, const std::vector<std::size_t>& lengths) const {
  const std::string* s = find(key);
  std::vector<std::size_t> v;
  if (s && !parse_sizes(*s, lo, lengths, v))
    fail(key + " must be " + lengths_text(lengths) + " whole numbers from " + std::to_string(lo) + " to " +
         std::to_string(kSpecMaxSize) + " joined by 'x', got '" + *s + "'");
  return v;
}

const std::string* LayerArgs::find(const std::string& key) const {
  used_.insert(key);
  for (const auto& [k, v] : item_.named)
    if (k == key) return &v;
  return nullptr;
}

bool LayerArgs::has(const std::string& key) const { return find(key) != nullptr; }

std::size_t LayerArgs::count(const std::string& key, std::size_t fallback) const {
  const std::string* s = find(key);
  if (!s) return fallback;
  std::size_t v;
  if (!parse_size(*s, 1, v)) fail(key + " must be a " + range_text(1) + ", got '" + *s + "'");
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

std::string LayerArgs::word(const std::string& key, const std::vector<std::string>& allowed, const std::string& fallback) const {
  const std::string* s = find(key);
  if (!s) return fallback;
  for (const auto& a : allowed)
    if (*s == a) return a;
  fail(key + " must be one of " + join(allowed) + ", got '" + *s + "'");
}

void LayerArgs::expect_blocks(std::size_t min, std::size_t max, std::size_t max_square) const {
  blocks_read_ = true;
  const std::size_t n = item_.blocks.size();
  if (n - (item_.round_block ? 1 : 0) > max_square)
    fail("'" + item_.type + "' takes " + (max_square == 1 ? "one [...] block" : "at most " + std::to_string(max_square) + " [...] blocks") +
         ", got " + std::to_string(n - (item_.round_block ? 1 : 0)) + " (only cat takes one [...] block per branch)");
  if (n >= min && n <= max) return;
  if (max == 0) fail("'" + item_.type + "' takes no [...] block");
  if (min >= 1 && n == 0) fail("'" + item_.type + "' needs a [...] block of layers");
  if (n < min) fail("'" + item_.type + "' needs at least " + std::to_string(min) + " blocks, got " + std::to_string(n));
  fail("'" + item_.type + "' takes " + (max == 1 ? "one [...] block, not a (...) block too" : "at most " + std::to_string(max) + " blocks"));
}

std::unique_ptr<Sequential> LayerArgs::build_block(std::size_t i, const Shape& input_shape) const {
  blocks_read_ = true;
  if (i >= item_.blocks.size()) fail("missing block " + std::to_string(i + 1));
  return build_block_(item_.blocks[i], input_shape);
}

void LayerArgs::check_all_used(const std::string& usage) const {
  for (const auto& [k, v] : item_.named)
    if (!used_.count(k)) fail("unknown option '" + k + "' (usage: " + usage + ")");
  if (!item_.blocks.empty() && !blocks_read_) fail("'" + item_.type + "' takes no [...] block");
}

bool register_layer(LayerType type) {
  if (type.type.empty() || !type.factory) throw std::logic_error("register_layer: empty type word or factory");
  auto& r = registry();
  if (r.count(type.type)) throw std::logic_error("register_layer: layer type '" + type.type + "' is already registered");
  r.emplace(type.type, std::move(type));
  return true;
}

const std::map<std::string, LayerType>& layer_types() { return registry(); }

const std::vector<Preset>& presets() {
  static const std::vector<Preset> p{
      {"lenet5", "LeNet-5 for 28x28 grey digits (LeCun et al., 1998, with ReLU and max-pooling)",
       "conv 6 5 pad=2, relu, maxpool 2, conv 16 5, relu, maxpool 2, flatten, linear 120, relu, linear 84, relu, "
       "linear {classes}",
       {1, 28, 28}},
      {"small", "two conv layers and one linear layer",
       "conv 8 5, relu, maxpool 2, conv 16 5, relu, maxpool 2, flatten, linear {classes}", {1, 28, 28}},
      {"convnet-rgb", "a small VGG-style net for 32x32 colour (or grey) images: two 3x3 conv layers of 32, pooling, two of "
       "64, pooling, a linear classifier; BatchNorm after every conv",
       "conv 32 3 pad=1, batchnorm, relu, conv 32 3 pad=1, batchnorm, relu, maxpool 2, "
       "conv 64 3 pad=1, batchnorm, relu, conv 64 3 pad=1, batchnorm, relu, maxpool 2, flatten, linear {classes}",
       {3, 32, 32}},
      // The CIFAR-10 layout of He et al. (2016, "Deep Residual Learning", section 4.2: a 3x3 stem and
      // stages at 16, 32, 64 channels), with two basic blocks per stage instead of three. A basic
      // block is conv3x3-BN-ReLU-conv3x3-BN plus the shortcut, then ReLU; the first block of stages 2
      // and 3 halves the size with stride 2 and projects its shortcut with a strided 1x1 conv + BN
      // (the paper's option B). Convs before a BatchNorm have no bias (BN's shift replaces it), as
      // in torchvision.
      {"resnet-mini",
       "ResNet for 32x32 colour images: 3x3 stem conv 16 + BN + ReLU; three stages of two basic residual blocks at "
       "16, 32, 64 channels (32x32, 16x16, 8x8), stride-2 projection shortcuts into stages 2 and 3; global average "
       "pooling, linear (175k parameters for 10 classes)",
       "conv 16 3 pad=1 bias=0, batchnorm, relu, "
       "res[conv 16 3 pad=1 bias=0, batchnorm, relu, conv 16 3 pad=1 bias=0, batchnorm] post=relu, "
       "res[conv 16 3 pad=1 bias=0, batchnorm, relu, conv 16 3 pad=1 bias=0, batchnorm] post=relu, "
       "res[conv 32 3 stride=2 pad=1 bias=0, batchnorm, relu, conv 32 3 pad=1 bias=0, batchnorm]"
       "(conv 32 1 stride=2 bias=0, batchnorm) post=relu, "
       "res[conv 32 3 pad=1 bias=0, batchnorm, relu, conv 32 3 pad=1 bias=0, batchnorm] post=relu, "
       "res[conv 64 3 stride=2 pad=1 bias=0, batchnorm, relu, conv 64 3 pad=1 bias=0, batchnorm]"
       "(conv 64 1 stride=2 bias=0, batchnorm) post=relu, "
       "res[conv 64 3 pad=1 bias=0, batchnorm, relu, conv 64 3 pad=1 bias=0, batchnorm] post=relu, "
       "globalavgpool, linear {classes}",
       {3, 32, 32}},
      // Digits need less: one basic block per stage, so three epochs of MNIST take minutes on two cores.
      {"resnet-mini-gray",
       "ResNet for 28x28 grey digits: resnet-mini with one basic block per stage (16, 32, 64 channels at 28x28, "
       "14x14, 7x7) (78k parameters for 10 classes)",
       "conv 16 3 pad=1 bias=0, batchnorm, relu, "
       "res[conv 16 3 pad=1 bias=0, batchnorm, relu, conv 16 3 pad=1 bias=0, batchnorm] post=relu, "
       "res[conv 32 3 stride=2 pad=1 bias=0, batchnorm, relu, conv 32 3 pad=1 bias=0, batchnorm]"
       "(conv 32 1 stride=2 bias=0, batchnorm) post=relu, "
       "res[conv 64 3 stride=2 pad=1 bias=0, batchnorm, relu, conv 64 3 pad=1 bias=0, batchnorm]"
       "(conv 64 1 stride=2 bias=0, batchnorm) post=relu, "
       "globalavgpool, linear {classes}",
       {1, 28, 28}},
  };
  return p;
}

std::vector<std::string> preset_names() {
  std::vector<std::string> names;
  for (const auto& p : presets()) names.push_back(p.name);
  return names;
}

std::string expand_preset(const std::string& spec, std::size_t num_classes) {
  std::size_t b = 0, e = spec.size();
  while (b < e && std::isspace(static_cast<unsigned char>(spec[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(spec[e - 1]))) --e;
  for (const auto& p : presets()) {
    if (spec.compare(b, e - b, p.name) != 0 || p.name.size() != e - b) continue;
    std::string s = p.spec;
    for (auto at = s.find("{classes}"); at != std::string::npos; at = s.find("{classes}"))
      s.replace(at, 9, std::to_string(num_classes));
    return s;
  }
  return spec;
}

std::unique_ptr<Sequential> build_model(const std::string& spec_or_preset, const Shape& input_shape,
                                        std::size_t num_classes) {
  const std::string spec = expand_preset(spec_or_preset, num_classes);
  std::vector<SpecItem> items;
  try {
    items = parse_spec(spec);
  } catch (const SpecError& e) {
    if (spec.find_first_not_of(" \t\r\n") != std::string::npos) throw;
    throw SpecError(std::string(e.what()) + "; give a preset (" + join(preset_names()) +
                    ") or layers such as \"conv 6 5, relu, flatten, linear 10\"");
  }
  // One word that is neither a preset nor a layer type is most likely a preset's name mistyped
  // ("lenet"): say so, rather than call it an unknown layer type.
  if (items.size() == 1 && items[0].blocks.empty() && items[0].positional.empty() && items[0].named.empty() &&
      !layer_types().count(items[0].type)) {
    std::vector<std::string> names = preset_names();
    for (const auto& [k, v] : layer_types()) names.push_back(k);
    const std::string word = trim(spec);
    throw SpecError("unknown model '" + word + "'" + suggestion(word, names) + " (presets: " + join(preset_names()) +
                    "; see 'minicnn models'; or a spec such as \"conv 6 5, relu, flatten, linear 10\")");
  }
  check_input_shape(input_shape);
  return build_sequential(items, input_shape);
}

}  // namespace minicnn
