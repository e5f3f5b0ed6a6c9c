// libFuzzer harness: the model-spec parser (and building the layers it names) on arbitrary text.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "minicnn/core/registry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string spec(reinterpret_cast<const char*>(data), size);
  try {
    auto model = minicnn::build_model(spec, {1, 12, 12});
    (void)model->spec();
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
