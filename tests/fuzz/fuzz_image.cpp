// libFuzzer harness: decoding any bytes as an image (stb_image through minicnn's wrapper) and
// turning the result into the grayscale tensor minicnn works with.
#include <cstdint>
#include <stdexcept>

#include "minicnn/io/image_io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const minicnn::Image img = minicnn::decode_image(data, size, "fuzz.png");
    (void)minicnn::to_grayscale(img);
  } catch (const std::runtime_error&) {
  }
  return 0;
}
