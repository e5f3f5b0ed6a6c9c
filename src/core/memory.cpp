#include "minicnn/core/memory.hpp"

#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace minicnn {

namespace {

// "16G" -> 16 << 30; false unless the whole text is a positive size.
bool parse_size(const std::string& s, std::uint64_t& out) {
  std::size_t i = 0;
  double v = 0;
  bool digits = false;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') v = v * 10 + (s[i++] - '0'), digits = true;
  if (i < s.size() && s[i] == '.') {
    for (double f = 0.1; ++i < s.size() && s[i] >= '0' && s[i] <= '9'; f /= 10) v += f * (s[i] - '0'), digits = true;
  }
  if (!digits) return false;
  std::string unit = s.substr(i);
  if (!unit.empty() && (unit.back() == 'B' || unit.back() == 'b')) unit.pop_back();
  if (!unit.empty() && (unit.back() == 'i')) unit.pop_back();
  int shift = 0;
  if (unit.size() > 1) return false;
  if (!unit.empty()) {
    const char u = static_cast<char>(unit[0] | 0x20);
    shift = u == 'k' ? 10 : u == 'm' ? 20 : u == 'g' ? 30 : u == 't' ? 40 : -1;
    if (shift < 0) return false;
  }
  const double bytes = v * static_cast<double>(std::uint64_t(1) << shift);
  if (!(bytes >= 1) || bytes > 9.0e18) return false;
  out = static_cast<std::uint64_t>(bytes);
  return true;
}

std::uint64_t physical_memory() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t kb = 0;
  while (in >> key >> kb) {
    if (key == "MemTotal:") return kb << 10;
    in.ignore(1 << 10, '\n');
  }
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page) : std::uint64_t(4) << 30;
}

}  // namespace

std::string bytes_text(std::uint64_t bytes) {
  static const char* const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  char b[48];
  if (u == 0) std::snprintf(b, sizeof b, "%llu bytes", static_cast<unsigned long long>(bytes));
  else std::snprintf(b, sizeof b, v < 10 && v != static_cast<int>(v) ? "%.1f %s" : "%.0f %s", v, units[u]);
  return b;
}

MemoryLimit memory_limit() {
  MemoryLimit m;
  if (const char* env = std::getenv("MINICNN_MAX_MEMORY"); env && *env) {
    if (!parse_size(env, m.bytes))
      throw std::invalid_argument(std::string("MINICNN_MAX_MEMORY='") + env +
                                  "' is not a size; expected bytes or a number with K, M, G or T (e.g. 16G)");
    m.why = std::string("MINICNN_MAX_MEMORY=") + env;
    return m;
  }
  const std::uint64_t total = physical_memory();
  m.bytes = total / 2;
  m.why = "half of this machine's " + bytes_text(total);
  for (const auto& [resource, name] : {std::pair{RLIMIT_AS, "ulimit -v"}, std::pair{RLIMIT_DATA, "ulimit -d"}}) {
    rlimit r{};
    if (getrlimit(resource, &r) == 0 && r.rlim_cur != RLIM_INFINITY && r.rlim_cur < m.bytes) {
      m.bytes = r.rlim_cur;
      m.why = std::string("the process limit ") + name;
    }
  }
  return m;
}

std::string memory_limit_text() {
  const MemoryLimit m = memory_limit();
  const std::uint64_t gib = std::max<std::uint64_t>(1, (2 * m.bytes + (std::uint64_t(1) << 30) - 1) >> 30);
  return bytes_text(m.bytes) + " (" + m.why + "; set MINICNN_MAX_MEMORY, e.g. MINICNN_MAX_MEMORY=" + std::to_string(gib) +
         "G, to raise it)";
}

// The whole pages inside the buffer are given back to the kernel (MADV_DONTNEED on private memory:
// they read as zeros when next touched); the part of a page at either end is set to zero.
Tensor zeros_untouched(const Shape& shape) {
  Tensor t = Tensor::from_shape(shape);
  auto* p = reinterpret_cast<unsigned char*>(t.data());
  const std::size_t n = t.size() * sizeof(float);
  const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  const std::uintptr_t at = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t begin = (at + page - 1) / page * page, end = (at + n) / page * page;
  if (n < 16 * page || end <= begin || madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED) != 0) {
    std::memset(p, 0, n);
    return t;
  }
  std::memset(p, 0, begin - at);
  std::memset(reinterpret_cast<unsigned char*>(end), 0, at + n - end);
  return t;
}

std::size_t max_layer_parameters() {
  const std::uint64_t n = memory_limit().bytes / 16;
  return static_cast<std::size_t>(std::min<std::uint64_t>(n, SIZE_MAX));
}

}  // namespace minicnn
