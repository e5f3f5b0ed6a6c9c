#pragma once
// Model specs, the text form of a model: one line of comma-separated layer items.
//
//     "conv 6 5 pad=2, relu, maxpool 2, flatten, linear 10"
//
// An item is a type word, positional values and key=value options. A composite item also holds
// blocks: a body in square brackets, optionally more square-bracket blocks right after it (the
// branches of cat), and optionally a block in round brackets after those, each a spec of its own:
//
//     "res[conv 16 3 pad=1, batchnorm, relu, conv 16 3 pad=1, batchnorm](conv 16 1, batchnorm) post=relu"
//     "cat[conv 64 1, relu][conv 64 3 pad=1, relu]"
//
// Items are numbered from 1; an item inside a block is named by its path: "4.2" is the second item
// of item 4's body, "4.block2.1" the first of its second square-bracket block, "4.shortcut.1" the
// first of its round-bracket block. Parsing only reads the
// text (core/registry.hpp builds layers from the items), and every error names the item.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace minicnn {

constexpr std::size_t kSpecMaxLength = 16384;  // characters
constexpr std::size_t kSpecMaxLayers = 256;    // items, counting those inside blocks
constexpr std::size_t kSpecMaxDepth = 8;       // blocks inside blocks

// A spec that cannot be parsed or built; what() starts with "spec item <path> '<text>': " when
// the problem is in one item.
struct SpecError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct SpecItem {
  std::string path;      // "3", "4.2", "4.shortcut.1"
  std::string text;      // the item as written, trimmed
  std::string type;      // the type word, lower case: "conv", "res"
  std::vector<std::string> positional;
  std::vector<std::pair<std::string, std::string>> named;  // in the order written
  std::vector<std::vector<SpecItem>> blocks;               // [body], any further [...], then (second block) if given
  bool round_block = false;                                // the last block was written in round brackets
  std::string where() const { return "spec item " + path + " '" + text + "': "; }
};

// Splits a spec into items (recursively into blocks). Throws SpecError for empty items, unbalanced
// brackets, a block with nothing in it, an option without a name or given twice, or a spec over
// the limits above.
std::vector<SpecItem> parse_spec(const std::string& spec);

}  // namespace minicnn
