// Issue 29: ONNX is optional (CMake's MINICNN_ONNX). A build without it keeps io/onnx.hpp's
// functions, which throw one line saying how to get ONNX; a build with it says so.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "helpers.hpp"
#include "minicnn/io/onnx.hpp"

using namespace minicnn;

TEST_CASE("onnx_missing_message says in one line that this build has no ONNX and how to get it") {
  const std::string m = onnx_missing_message();
  CHECK(m.find('\n') == std::string::npos);
  CHECK(m.find("built without ONNX") != std::string::npos);
  CHECK(m.find("apt-get install libonnx-dev libprotobuf-dev") != std::string::npos);
  CHECK(m.find("-DMINICNN_ONNX=ON") != std::string::npos);
}

TEST_CASE("import and export throw onnx_missing_message() in a build without ONNX and read files in one with it") {
  const std::uint8_t junk[] = {1, 2, 3};
  try {
    parse_onnx(junk, sizeof junk, "junk.onnx");
    FAIL("parse_onnx accepted three junk bytes");
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    if (onnx_available())
      CHECK(what.find("junk.onnx") != std::string::npos);  // a real parse: the file is named
    else
      CHECK(what == onnx_missing_message());
  }
}
