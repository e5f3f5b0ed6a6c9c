#pragma once
// Model specs and the layer registry.
//
// A spec is one line of comma-separated layer items, each a type word followed by positional
// values and key=value options:
//
//     "conv 6 5 pad=2, relu, maxpool 2, flatten, linear 10"
//
// Sizes are "5" or "5x3" (height x width). Input sizes (Conv2d's in_channels, Linear's
// in_features) are never written: each layer is built for the shape the previous one produces.
// A layer type joins the spec language, `minicnn train --model` and checkpoints by registering
// itself once, in its own .cpp file:
//
//     MINICNN_REGISTER_LAYER(ReLU, "relu", "relu", [](const LayerArgs& a, const Shape&) {
//       return std::make_unique<ReLU>();
//     });
//
// and by returning the same text from Layer::spec(). The built-in layers do exactly this.
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "minicnn/core/layer.hpp"
#include "minicnn/core/sequential.hpp"

namespace minicnn {

// Limits on what an (untrusted) spec may build. Specs come from command lines and checkpoint
// files, so a typo or a hostile file must not ask for terabytes.
constexpr std::size_t kSpecMaxLength = 16384;        // characters
constexpr std::size_t kSpecMaxLayers = 256;
constexpr std::size_t kSpecMaxSize = 65536;          // any channel/feature count, kernel, stride, ...
constexpr std::size_t kSpecMaxLayerParameters = 1u << 25;  // 32M values (128 MB) per layer
constexpr std::size_t kSpecMaxLayerWorkspace = 1u << 26;   // 64M values (256 MB) of output or im2col
                                                            // columns per image, per layer

// One parsed item, e.g. "conv 6 5 pad=2". Accessors throw std::invalid_argument naming the item
// and what was expected. Options a factory never asks for are reported as unknown.
class LayerArgs {
 public:
  LayerArgs(std::string text, std::string type, std::vector<std::string> positional,
            std::vector<std::pair<std::string, std::string>> named);

  const std::string& text() const { return text_; }
  const std::string& type() const { return type_; }
  std::size_t num_positional() const { return positional_.size(); }

  void expect_positional(std::size_t min, std::size_t max) const;
  std::size_t count(std::size_t i, const char* what) const;         // positional whole number >= 1
  Size2 size2(std::size_t i, const char* what) const;               // positional "5" or "5x3"
  std::size_t count(const std::string& key, std::size_t fallback) const;
  Size2 size2(const std::string& key, Size2 fallback, bool allow_zero = false) const;
  float number(const std::string& key, float fallback) const;       // any finite number
  bool flag(const std::string& key, bool fallback) const;           // 0/1/true/false
  bool has(const std::string& key) const;

  // Throws if an option was given that no accessor asked for (a typo such as "padd=2").
  void check_all_used(const std::string& usage) const;
  // Throws std::invalid_argument("spec item 'text': message").
  [[noreturn]] void fail(const std::string& message) const;

 private:
  const std::string* find(const std::string& key) const;
  std::string text_, type_;
  std::vector<std::string> positional_;
  std::vector<std::pair<std::string, std::string>> named_;
  mutable std::set<std::string> used_;
};

// Builds one layer from its item, for an input of per-sample shape input_shape (e.g. {6, 14, 14}).
using LayerFactory = std::function<std::unique_ptr<Layer>(const LayerArgs& args, const Shape& input_shape)>;

struct LayerType {
  std::string type;     // the spec word, e.g. "conv"
  std::string usage;    // e.g. "conv OUT K [stride=S] [pad=P] [dilation=D] [groups=G] [bias=0|1]"
  LayerFactory factory;
};

// Adds a layer type; throws std::logic_error if the word is taken. Returns true, so it can
// initialise a static (see MINICNN_REGISTER_LAYER).
bool register_layer(LayerType type);
const std::map<std::string, LayerType>& layer_types();

#define MINICNN_REGISTER_LAYER(Class, type_word, usage, ...)                  \
  [[maybe_unused]] static const bool minicnn_registered_##Class =             \
      ::minicnn::register_layer(::minicnn::LayerType{type_word, usage, __VA_ARGS__})

// Builds a model from a spec (or a preset name: "lenet5", "small") for samples of input_shape.
// Errors name the item, e.g. "spec item 3 'linear 10': Linear(...): expected input (N, 400)...".
std::unique_ptr<Sequential> build_model(const std::string& spec, const Shape& input_shape);
// The spec text of a preset, or the argument unchanged if it is not one.
std::string expand_preset(const std::string& spec_or_preset);
std::vector<std::string> preset_names();

}  // namespace minicnn
