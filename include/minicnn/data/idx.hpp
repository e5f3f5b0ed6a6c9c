#pragma once
// Reader for IDX files, the format MNIST and Fashion-MNIST ship in: a big-endian header
// (magic 2051 = 0x00000803 for images: count, rows, cols; magic 2049 = 0x00000801 for labels:
// count), then unsigned bytes. Files may be raw or gzip-compressed; the content decides, and the
// name must agree (a ".gz" name for gzip data, no ".gz" for raw data), so a mislabelled file is
// reported instead of being read as garbage.
//
// Hostile input is expected: every error is a std::runtime_error naming the file and what was
// expected. Memory grows only with bytes actually read, never with what a header claims, and a
// header past these documented limits is refused outright:
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace minicnn {

constexpr std::size_t kIdxMaxItems = 100'000'000;   // images or labels in one file
constexpr std::size_t kIdxMaxSide = 4096;            // rows and cols of an image
constexpr std::size_t kIdxMaxBytes = 1ull << 32;     // payload of one file (4 GiB)

struct IdxImages {
  std::size_t count = 0, rows = 0, cols = 0;
  std::vector<std::uint8_t> pixels;  // count * rows * cols, row-major
};

IdxImages read_idx_images(const std::string& path);
std::vector<std::uint8_t> read_idx_labels(const std::string& path);

// The same, from bytes in memory (as the file would hold them); `name` is used in messages.
IdxImages parse_idx_images(const std::uint8_t* data, std::size_t size, const std::string& name);
std::vector<std::uint8_t> parse_idx_labels(const std::uint8_t* data, std::size_t size, const std::string& name);

}  // namespace minicnn
