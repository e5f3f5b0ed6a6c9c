#pragma once
// The layer registry: how a spec item (core/spec.hpp) becomes a layer, and build_model.
//
// Sizes are "5" or "5x3" (height x width). Input sizes (Conv2d's in_channels, Linear's
// in_features) are never written: each layer is built for the shape the previous one produces.
// A layer type joins the spec language, `minicnn train --model` and checkpoints by registering
// itself once, in its own .cpp file, with its spec word, a usage line for error messages, and a
// factory that builds it from the parsed item and the per-sample input shape:
//
//     MINICNN_REGISTER_LAYER(ReLU, "relu", "relu", [](const LayerArgs& a, const Shape&) {
//       a.expect_positional(0, 0);
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
#include "minicnn/core/spec.hpp"

namespace minicnn {

// Limits on what an (untrusted) spec may build. Specs come from command lines and checkpoint
// files, so a typo or a hostile file must not ask for terabytes.
constexpr std::size_t kSpecMaxSize = 65536;                // any channel/feature count, kernel, stride, ...
constexpr std::size_t kSpecMaxLayerWorkspace = 1u << 26;   // 64M values (256 MB) of output or im2col
                                                            // columns per image, per layer

// One parsed item as a factory sees it. The readers throw SpecError naming the item and what was
// expected; options a factory never asks for are reported as unknown after it returns.
class LayerArgs {
 public:
  using BlockBuilder = std::function<std::unique_ptr<Sequential>(const std::vector<SpecItem>&, const Shape&)>;
  LayerArgs(const SpecItem& item, BlockBuilder build_block);

  const std::string& text() const { return item_.text; }
  const std::string& type() const { return item_.type; }

  void expect_positional(std::size_t min, std::size_t max) const;
  std::size_t count(std::size_t i, const char* what) const;         // positional whole number >= 1
  Size2 size2(std::size_t i, const char* what) const;               // positional "5" or "5x3"
  std::size_t count(const std::string& key, std::size_t fallback) const;
  Size2 size2(const std::string& key, Size2 fallback, bool allow_zero = false) const;
  float number(const std::string& key, float fallback) const;       // any finite number
  bool flag(const std::string& key, bool fallback) const;           // 0/1/true/false
  std::string word(const std::string& key, const std::vector<std::string>& allowed, const std::string& fallback) const;
  bool has(const std::string& key) const;
  // Whole numbers >= lo joined by 'x' ("1", "1x2", "0x1x0x1"), as many as one of `lengths`: the
  // positional value i, or option key (empty when the option is not given).
  std::vector<std::size_t> sizes(std::size_t i, const char* what, std::size_t lo, const std::vector<std::size_t>& lengths) const;
  std::vector<std::size_t> sizes(const std::string& key, std::size_t lo, const std::vector<std::size_t>& lengths) const;

  // Blocks of a composite item: the square-bracket ones in order ([0] the body), then the
  // round-bracket one if given. expect_blocks throws unless their number is in [min, max] and at
  // most max_square are square; build_block builds block i as a Sequential for the given
  // per-sample input shape (errors name the item inside the block).
  void expect_blocks(std::size_t min, std::size_t max, std::size_t max_square = 1) const;
  bool has_round_block() const { return item_.round_block; }
  std::size_t num_blocks() const {
    blocks_read_ = true;
    return item_.blocks.size();
  }
  std::unique_ptr<Sequential> build_block(std::size_t i, const Shape& input_shape) const;

  // Throws if an option was given that no reader asked for (a typo such as "padd=2").
  void check_all_used(const std::string& usage) const;
  // Throws SpecError("spec item <path> '<text>': <message>").
  [[noreturn]] void fail(const std::string& message) const;

 private:
  const std::string* find(const std::string& key) const;
  const SpecItem& item_;
  BlockBuilder build_block_;
  mutable std::set<std::string> used_;
  mutable bool blocks_read_ = false;
};

// Builds one layer from its item, for an input of per-sample shape input_shape (e.g. {6, 14, 14}).
using LayerFactory = std::function<std::unique_ptr<Layer>(const LayerArgs& args, const Shape& input_shape)>;

struct LayerType {
  std::string type;   // the spec word, e.g. "conv"
  std::string usage;  // e.g. "conv OUT K [stride=S] [pad=P] [dilation=D] [groups=G] [bias=0|1]"
  LayerFactory factory;
};

// Adds a layer type; throws std::logic_error if the word is taken. Returns true, so it can
// initialise a static (see MINICNN_REGISTER_LAYER).
bool register_layer(LayerType type);
const std::map<std::string, LayerType>& layer_types();

// Registers a layer type at start-up. Class names the static flag only (one per class and file).
#define MINICNN_REGISTER_LAYER(Class, type_word, usage, ...)                  \
  [[maybe_unused]] static const bool minicnn_registered_##Class =             \
      ::minicnn::register_layer(::minicnn::LayerType{type_word, usage, __VA_ARGS__})

// Builds a model from a spec (or a preset name) for samples of input_shape. Errors are SpecError
// naming the item, e.g. "spec item 3 'linear 10': Linear(...): expected input (N, 400)...".
// num_classes fills the last Linear of a preset (specs written out say it themselves).
std::unique_ptr<Sequential> build_model(const std::string& spec, const Shape& input_shape, std::size_t num_classes = 10);

// Presets: named specs for common models. expand_preset gives a preset's spec text (for
// num_classes outputs), or the argument unchanged if it names no preset.
struct Preset {
  std::string name, description, spec;  // spec with "{classes}" where the class count goes
  Shape input;                          // (C, H, W) of the images it is made for
};
const std::vector<Preset>& presets();
std::string expand_preset(const std::string& spec_or_preset, std::size_t num_classes = 10);
std::vector<std::string> preset_names();

}  // namespace minicnn
