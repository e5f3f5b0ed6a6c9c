#pragma once
// Writing files so that a crash, a kill or a full disk never leaves half of one: the bytes go to
// "<path>.tmp.<pid>" in the same folder, are flushed to disk, and the finished file is renamed over
// the target. Every file minicnn writes (checkpoints, PNGs, reports, CSV) goes through here.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace minicnn {

// Writes bytes to path atomically; throws std::runtime_error naming the path and the reason.
// durable: flush the data and the rename to disk before returning (what a checkpoint needs); a
// dataset of thousands of small files is written with durable = false, still atomically.
void write_file_atomic(const std::string& path, const void* data, std::size_t size, bool durable = true);
void write_text_atomic(const std::string& path, const std::string& text);
// The same for a file that a library writes itself: write(temp) creates the temporary file temp;
// it is then flushed to disk and renamed over path. If write throws, the temporary is removed and
// the exception passed on; path is untouched.
void write_file_atomic_with(const std::string& path, const std::function<void(const std::string& temp)>& write);

// "mkdir -p": creates path and any missing parents; throws std::runtime_error naming the folder
// that could not be made, or path if it exists and is not a folder.
void make_folders(const std::string& path);

bool path_exists(const std::string& path);
bool same_file(const std::string& a, const std::string& b);  // both exist and are one file

// Removes "<name>.tmp.<pid>" files (and "<name>.tmp.<pid>.XXXXXX", libzip's own temporary while it
// writes one) in dir whose process no longer exists: what a kill -9 during a write leaves behind. Returns the names removed. Temporaries of live processes are kept.
std::vector<std::string> remove_stale_temporaries(const std::string& dir);

}  // namespace minicnn
