#include "minicnn/core/text.hpp"

#include <algorithm>
#include <cctype>

namespace minicnn {

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::vector<std::string> split_list(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == sep) {
      std::string part = trim(s.substr(start, i - start));
      if (!part.empty()) parts.push_back(std::move(part));
      start = i + 1;
    }
  return parts;
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string s;
  for (std::size_t i = 0; i < parts.size(); ++i) s += (i ? sep : "") + parts[i];
  return s;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string suggestion(const std::string& typo, const std::vector<std::string>& names) {
  std::string best;
  std::size_t d = 3;
  for (const auto& n : names) {
    const std::size_t e = edit_distance(typo, n);
    if (e < d || (n.rfind(typo, 0) == 0 && typo.size() >= 3 && e < 8)) d = e, best = n;
  }
  return best.empty() ? "" : "; did you mean '" + best + "'?";
}

std::string path_suggestion(const std::string& path, const std::vector<std::string>& paths) {
  if (!path.empty() && path.find_first_not_of("0123456789") == std::string::npos) return "";
  return suggestion(path, paths);
}

}  // namespace minicnn
