// Whether this build has ONNX (io/onnx.hpp). CMake defines MINICNN_HAVE_ONNX for this file when it
// finds libonnx (MINICNN_ONNX=AUTO or ON); without it the ONNX units are left out of the build and
// this file stands for them: every function says how to get ONNX.
#include <stdexcept>

#include "minicnn/io/onnx.hpp"

namespace minicnn {

std::string onnx_missing_message() {
  return "this minicnn was built without ONNX, so it cannot import or export ONNX files; install libonnx "
         "(apt-get install libonnx-dev libprotobuf-dev, or scripts/setup.sh) and build again "
         "(cmake -S . -B build -DMINICNN_ONNX=ON && cmake --build build)";
}

#ifdef MINICNN_HAVE_ONNX

bool onnx_available() { return true; }

#else

bool onnx_available() { return false; }

std::string onnx_bytes(Sequential&, const Shape&, const OnnxExportOptions&) {
  throw std::runtime_error(onnx_missing_message());
}
void export_onnx(Sequential&, const Shape&, const std::string&, const OnnxExportOptions&) {
  throw std::runtime_error(onnx_missing_message());
}
OnnxImport import_onnx(const std::string&) { throw std::runtime_error(onnx_missing_message()); }
OnnxImport parse_onnx(const std::uint8_t*, std::size_t, const std::string&) {
  throw std::runtime_error(onnx_missing_message());
}

#endif

}  // namespace minicnn
