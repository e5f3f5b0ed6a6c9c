// CIFAR-10's binary format (https://www.cs.toronto.edu/~kriz/cifar.html): each batch file holds
// records of 3073 bytes, a label byte then a 32x32 image as three planes (red, green, blue), which
// is exactly minicnn's planar (C, H, W) layout.
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <stdexcept>

#include "minicnn/data/datasets.hpp"

namespace minicnn {

namespace {

constexpr std::uint64_t kCifarMaxFileBytes = 1ull << 31;  // a real batch is 30.7 MB

bool is_file(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::vector<std::uint8_t> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error(path + ": cannot open");
  const std::streamoff size = in.tellg();
  if (size < 0 || static_cast<std::uint64_t>(size) > kCifarMaxFileBytes)
    throw std::runtime_error(path + ": is larger than 2 GiB; not a CIFAR-10 batch");
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  in.seekg(0);
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size)) throw std::runtime_error(path + ": read error");
  return bytes;
}

// batches.meta.txt: one class name per line (the Python version's names in text form).
std::vector<std::string> read_meta(const std::string& dir) {
  std::ifstream in(dir + "/batches.meta.txt");
  if (!in) return cifar10_classes();
  std::vector<std::string> names;
  for (std::string line; std::getline(in, line) && names.size() < 256;) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) names.push_back(line);
  }
  if (names.size() < 2) throw std::runtime_error(dir + "/batches.meta.txt: expected one class name per line, at least two");
  return names;
}

}  // namespace

std::vector<std::string> cifar10_classes() {
  return {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
}

void parse_cifar10(const std::uint8_t* data, std::size_t size, const std::string& name, Dataset& d) {
  if (size == 0 || size % kCifarRecordBytes != 0)
    throw std::runtime_error(name + ": holds " + std::to_string(size) + " bytes, not a whole number of " +
                             std::to_string(kCifarRecordBytes) + "-byte CIFAR-10 records (1 label + 3x32x32 pixels)");
  const std::size_t n = size / kCifarRecordBytes;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* rec = data + i * kCifarRecordBytes;
    if (rec[0] >= d.num_classes())
      throw std::runtime_error(name + ": record " + std::to_string(i) + " has label " + std::to_string(rec[0]) +
                               "; expected 0.." + std::to_string(d.num_classes() - 1));
    d.labels.push_back(rec[0]);
    d.pixels.insert(d.pixels.end(), rec + 1, rec + kCifarRecordBytes);
  }
}

Dataset load_cifar10(const std::string& dir, const std::string& split) {
  if (split != "train" && split != "test")
    throw std::invalid_argument("load_cifar10: split must be \"train\" or \"test\", got \"" + split + "\"");
  Dataset d;
  d.name = dir + " " + split;
  d.channels = 3;
  d.rows = d.cols = 32;
  d.classes = read_meta(dir);
  std::vector<std::string> files;
  if (split == "test") files.push_back(dir + "/test_batch.bin");
  else
    for (int b = 1; b <= 5; ++b)
      if (is_file(dir + "/data_batch_" + std::to_string(b) + ".bin")) files.push_back(dir + "/data_batch_" + std::to_string(b) + ".bin");
  if (files.empty() || !is_file(files[0]))
    throw std::runtime_error(dir + ": no CIFAR-10 " + split + " batch (looked for " +
                             (split == "test" ? "test_batch.bin" : "data_batch_1.bin ... data_batch_5.bin") + ")");
  for (const auto& f : files) {
    const std::vector<std::uint8_t> bytes = read_all(f);
    parse_cifar10(bytes.data(), bytes.size(), f, d);
  }
  return d;
}

}  // namespace minicnn
