#pragma once
// Small text helpers that several parts need: lists on command lines ("sobel_x,blur"), messages.
#include <string>
#include <vector>

namespace minicnn {

std::string trim(const std::string& s);  // without leading and trailing white space
// "a, b,,c" -> {"a", "b", "c"}: split at sep, each part trimmed, empty parts dropped.
std::vector<std::string> split_list(const std::string& s, char sep = ',');
// {"a", "b"} -> "a, b"
std::string join(const std::vector<std::string>& parts, const std::string& sep = ", ");
// Levenshtein distance, for "did you mean".
std::size_t edit_distance(const std::string& a, const std::string& b);
// "; did you mean 'train'?" when one of names is close enough to typo, else "".
std::string suggestion(const std::string& typo, const std::vector<std::string>& names);
// The same for a layer path ("3.body.O" -> '3.body.0'); "" for a plain index such as "30", where
// any index is one keystroke from another and the range says more.
std::string path_suggestion(const std::string& path, const std::vector<std::string>& paths);

}  // namespace minicnn
