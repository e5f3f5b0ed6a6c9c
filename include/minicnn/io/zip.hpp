#pragma once
// Zip archives through libzip, as .npz files use them: entries stored uncompressed (as
// numpy.savez does) with a fixed timestamp, so the same arrays give a byte-identical file.
// Reading is defensive: entries are refused by their declared sizes before anything is inflated
// (zip bombs), and every entry's CRC-32 is checked (libzip does not check stored entries).
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace minicnn {

// The archive's bytes, entries in the order given (name, contents).
std::string zip_store(const std::vector<std::pair<std::string, std::string>>& entries, const std::string& name);

struct ZipLimits {
  std::size_t max_entries;
  std::uint64_t max_entry_bytes;  // uncompressed, any one entry
  std::uint64_t max_total_bytes;  // uncompressed, all entries together
};

// Calls f(entry_name, bytes, size) for each entry in archive order. The bytes are valid only during
// the call. Errors are std::runtime_error("<name>: ...").
void zip_for_each(const std::uint8_t* data, std::size_t size, const std::string& name, const ZipLimits& limits,
                  const std::function<void(const std::string&, const std::uint8_t*, std::size_t)>& f);

}  // namespace minicnn
