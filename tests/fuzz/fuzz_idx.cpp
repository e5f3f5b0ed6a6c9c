// libFuzzer harness: the IDX reader on arbitrary bytes, raw and gzip (the first byte picks the
// name, so both the ".gz" and the plain paths run), images and labels.
#include <cstdint>
#include <stdexcept>

#include "minicnn/data/idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool gz = data[0] & 1, labels = data[0] & 2;
  const std::string name = std::string("fuzz-idx") + (gz ? ".gz" : "");
  try {
    if (labels) minicnn::parse_idx_labels(data + 1, size - 1, name);
    else minicnn::parse_idx_images(data + 1, size - 1, name);
  } catch (const std::runtime_error&) {  // the documented error for bad input
  }
  return 0;
}
