#include "minicnn/core/spec.hpp"

#include <cctype>

#include "minicnn/core/text.hpp"

namespace minicnn {

namespace {

// Splits s at the commas that are not inside brackets; throws on unbalanced brackets.
std::vector<std::string> split_top_level(const std::string& s, const std::string& where) {
  std::vector<std::string> parts;
  std::string open;  // the brackets open at this point, innermost last
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    const char c = i < s.size() ? s[i] : ',';
    if (c == '[' || c == '(') open += c;
    if (c == ']' || c == ')') {
      if (open.empty() || open.back() != (c == ']' ? '[' : '('))
        throw SpecError(where + "unbalanced '" + std::string(1, c) + "' at character " + std::to_string(i + 1) +
                        (open.empty() ? "" : " (the last open bracket is '" + std::string(1, open.back()) + "')"));
      open.pop_back();
    }
    if (c == ',' && open.empty()) {
      parts.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  if (!open.empty()) throw SpecError(where + "'" + std::string(1, open.back()) + "' is never closed");
  return parts;
}

// The text between the bracket at s[open_at] and its partner; sets end to the partner's index.
std::string bracketed(const std::string& s, std::size_t open_at, std::size_t& end) {
  int depth = 0;
  for (std::size_t i = open_at; i < s.size(); ++i) {
    if (s[i] == '[' || s[i] == '(') ++depth;
    if ((s[i] == ']' || s[i] == ')') && --depth == 0) {
      end = i;
      return s.substr(open_at + 1, i - open_at - 1);
    }
  }
  end = s.size();  // unreachable: split_top_level has checked the brackets
  return s.substr(open_at + 1);
}

struct Parser {
  std::size_t items = 0;

  std::vector<SpecItem> list(const std::string& text, const std::string& prefix, std::size_t depth,
                             const std::string& owner) {
    if (depth > kSpecMaxDepth)
      throw SpecError(owner + "blocks are nested more than " + std::to_string(kSpecMaxDepth) + " deep");
    const std::vector<std::string> parts = split_top_level(text, owner.empty() ? "model spec: " : owner);
    std::vector<SpecItem> out;
    for (std::size_t n = 0; n < parts.size(); ++n) {
      const std::string path = prefix + std::to_string(n + 1);
      if (parts[n].empty()) {
        if (parts.size() == 1) throw SpecError(owner + "the block is empty; give at least one layer");
        throw SpecError("spec item " + path + " is empty (two commas in a row?)");
      }
      if (++items > kSpecMaxLayers)
        throw SpecError("model spec has more than " + std::to_string(kSpecMaxLayers) + " layers; the limit is " +
                        std::to_string(kSpecMaxLayers));
      out.push_back(item(parts[n], path, depth));
    }
    return out;
  }

  SpecItem item(const std::string& text, const std::string& path, std::size_t depth) {
    SpecItem it;
    it.path = path;
    it.text = text;
    // The type word runs up to the first space or bracket.
    std::size_t p = 0;
    while (p < text.size() && !std::isspace(static_cast<unsigned char>(text[p])) && text[p] != '[' && text[p] != '(') ++p;
    it.type = text.substr(0, p);
    for (auto& c : it.type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (it.type.empty()) throw SpecError(it.where() + "expected a layer type word first");
    // Blocks: [body], more [...] blocks (cat's branches), then optionally (second), directly after the word.
    if (p < text.size() && text[p] == '[') {
      std::size_t end;
      while (p < text.size() && text[p] == '[') {
        const std::size_t n = it.blocks.size();
        const std::string prefix = n == 0 ? path + "." : path + ".block" + std::to_string(n + 1) + ".";
        it.blocks.push_back(list(bracketed(text, p, end), prefix, depth + 1, it.where() + "[...]: "));
        p = end + 1;
      }
      if (p < text.size() && text[p] == '(') {
        it.blocks.push_back(list(bracketed(text, p, end), path + ".shortcut.", depth + 1, it.where() + "(...): "));
        it.round_block = true;
        p = end + 1;
      }
    } else if (p < text.size() && text[p] == '(') {
      throw SpecError(it.where() + "a round-bracket block must follow a square-bracket one, as in res[...](...)");
    }
    // Whitespace-separated tokens: key=value options, the rest positional values.
    while (p < text.size()) {
      while (p < text.size() && std::isspace(static_cast<unsigned char>(text[p]))) ++p;
      std::size_t q = p;
      while (q < text.size() && !std::isspace(static_cast<unsigned char>(text[q]))) ++q;
      if (q == p) break;
      const std::string token = text.substr(p, q - p);
      p = q;
      if (token.find_first_of("[]()") != std::string::npos)
        throw SpecError(it.where() + "brackets may only follow the type word, as in res[...](...); got '" + token + "'");
      const auto eq = token.find('=');
      if (eq == std::string::npos) {
        it.positional.push_back(token);
        continue;
      }
      const std::string key = token.substr(0, eq);
      if (key.empty()) throw SpecError(it.where() + "option '" + token + "' has no name");
      for (const auto& [k, v] : it.named)
        if (k == key) throw SpecError(it.where() + "option '" + key + "' given twice");
      it.named.emplace_back(key, token.substr(eq + 1));
    }
    return it;
  }
};

}  // namespace

std::vector<SpecItem> parse_spec(const std::string& spec) {
  if (spec.size() > kSpecMaxLength)
    throw SpecError("model spec is " + std::to_string(spec.size()) + " characters long; the limit is " +
                    std::to_string(kSpecMaxLength));
  if (trim(spec).empty()) throw SpecError("model spec is empty");
  Parser parser;
  return parser.list(spec, "", 0, "");
}

}  // namespace minicnn
