// libFuzzer harness: the ONNX importer (io/onnx.hpp) on untrusted bytes, then one forward pass of
// the model it builds.
#include <cstdint>
#include <stdexcept>

#include "minicnn/io/onnx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    minicnn::OnnxImport m = minicnn::parse_onnx(data, size, "fuzz.onnx");
    minicnn::Shape shape{1};
    shape.insert(shape.end(), m.input_shape.begin(), m.input_shape.end());
    std::size_t values = 1;
    for (std::size_t d : shape) values *= d;
    if (values <= (1u << 16)) {  // small enough to run quickly
      m.model->eval();
      m.model->forward(minicnn::Tensor::from_shape(shape));
    }
  } catch (const std::runtime_error&) {
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
