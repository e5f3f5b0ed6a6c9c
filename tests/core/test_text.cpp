// The small text helpers behind lists on command lines and in messages.
#include "helpers.hpp"
#include "minicnn/core/text.hpp"

using namespace minicnn;

TEST_CASE("trim drops leading and trailing white space only") {
  CHECK(trim("  sobel x \t\n") == "sobel x");
  CHECK(trim("") == "");
  CHECK(trim(" \t ") == "");
}

TEST_CASE("split_list trims every part and drops empty ones") {
  CHECK(split_list("a, b,,c ") == std::vector<std::string>{"a", "b", "c"});
  CHECK(split_list("crop;flip", ';') == std::vector<std::string>{"crop", "flip"});
  CHECK(split_list(" , ").empty());
}

TEST_CASE("join puts the separator between parts, not after the last") {
  CHECK(join({"a", "b", "c"}) == "a, b, c");
  CHECK(join({"x"}, "|") == "x");
  CHECK(join({}) == "");
}

TEST_CASE("suggestion names the closest name, and path_suggestion leaves plain indices alone") {
  CHECK(suggestion("gradcm", {"saliency", "gradcam", "occlusion", "all"}) == "; did you mean 'gradcam'?");
  CHECK(suggestion("zzzzzz", {"saliency", "gradcam"}) == "");
  CHECK(path_suggestion("3.body.O", {"0", "3.body.0", "3.body.3"}) == "; did you mean '3.body.0'?");
  CHECK(path_suggestion("30", {"0", "3"}) == "");  // one keystroke from "3" and "0": the range says more
}
