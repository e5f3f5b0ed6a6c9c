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

// One entry of an archive to write: its name, and its contents as pieces laid end to end (an .npy
// header, then a tensor's values). The pieces are read in place, never copied, and must stay valid
// until zip_write returns.
struct ZipEntry {
  std::string name;
  std::vector<std::pair<const void*, std::size_t>> pieces;
};

// Writes the archive to path, entries in the order given, through a temporary file that is flushed
// and renamed into place (io/atomic_file.hpp): a crash leaves the old file or the new one. Each entry
// streams from its pieces, so writing takes no memory in proportion to the arrays.
void zip_write(const std::string& path, const std::vector<ZipEntry>& entries);

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
