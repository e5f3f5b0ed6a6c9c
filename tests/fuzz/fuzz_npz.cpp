// libFuzzer harness: the .npz checkpoint reader, then rebuilding the model its metadata describes.
#include <cstdint>
#include <stdexcept>

#include "minicnn/io/checkpoint.hpp"
#include "minicnn/core/registry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const minicnn::CheckpointFile f = minicnn::parse_checkpoint(data, size, "fuzz.npz");
    auto model = minicnn::build_model(f.info.spec, f.info.input_shape);
    minicnn::load_into(f, "fuzz.npz", *model);
  } catch (const std::runtime_error&) {
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
