#include "minicnn/io/npy.hpp"

#include <cstring>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <xtensor/xadapt.hpp>
#include <xtensor/xnpy.hpp>

namespace minicnn {

namespace {
[[noreturn]] void fail(const std::string& name, const std::string& what) { throw std::runtime_error(name + ": " + what); }
}  // namespace

// Parses "{'descr': '<f4', 'fortran_order': False, 'shape': (6, 1, 5, 5), }".
NpyArray parse_npy(const std::uint8_t* p, std::size_t size, const std::string& where) {
  static const char magic[] = "\x93NUMPY";
  if (size < 10 || std::memcmp(p, magic, 6) != 0) fail(where, "not a .npy array (bad magic)");
  const int major = p[6];
  std::size_t header_len, offset;
  if (major == 1) {
    header_len = p[8] | (std::size_t(p[9]) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) fail(where, "truncated .npy header");
    header_len = p[8] | (std::size_t(p[9]) << 8) | (std::size_t(p[10]) << 16) | (std::size_t(p[11]) << 24);
    offset = 12;
  } else {
    fail(where, ".npy format version " + std::to_string(major) + " is not supported");
  }
  if (header_len > 65536 || offset + header_len > size) fail(where, "truncated or oversized .npy header");
  const std::string h(reinterpret_cast<const char*>(p + offset), header_len);
  auto value_of = [&](const std::string& key) -> std::string {
    const auto k = h.find("'" + key + "'");
    if (k == std::string::npos) fail(where, ".npy header has no '" + key + "'");
    auto c = h.find(':', k);
    if (c == std::string::npos) fail(where, ".npy header is malformed near '" + key + "'");
    ++c;
    while (c < h.size() && h[c] == ' ') ++c;
    const char open = c < h.size() ? h[c] : '\0';
    const char close = open == '(' ? ')' : open == '\'' ? '\'' : ',';
    const auto e = h.find(close, open == close || open == '(' ? c + 1 : c);
    if (e == std::string::npos) fail(where, ".npy header is malformed near '" + key + "'");
    return open == '(' || open == '\'' ? h.substr(c + 1, e - c - 1) : h.substr(c, e - c);
  };
  NpyArray a;
  a.descr = value_of("descr");
  if (value_of("fortran_order").find("False") == std::string::npos)
    fail(where, "is stored in Fortran order; expected C order");
  const std::string shape = value_of("shape");
  std::size_t count = 1, i = 0;
  while (i < shape.size()) {
    while (i < shape.size() && (shape[i] == ' ' || shape[i] == ',')) ++i;
    if (i == shape.size()) break;
    std::size_t v = 0, digits = 0;
    while (i < shape.size() && shape[i] >= '0' && shape[i] <= '9') {
      if (++digits > 12) fail(where, "dimension in .npy shape is too large");
      v = v * 10 + static_cast<std::size_t>(shape[i++] - '0');
    }
    if (digits == 0) fail(where, ".npy shape '(" + shape + ")' is malformed");
    if (a.shape.size() >= 8) fail(where, ".npy array has more than 8 dimensions");
    a.shape.push_back(v);
    if (v != 0 && count > std::numeric_limits<std::size_t>::max() / v / 8) fail(where, ".npy shape is too large");
    count *= v;
  }
  const std::size_t item = a.descr == "<f4" ? 4 : (a.descr == "|u1" || a.descr == "<u1") ? 1 : 0;
  if (!item) fail(where, "has dtype '" + a.descr + "'; expected float32 ('<f4')");
  a.bytes = count * item;
  a.data = p + offset + header_len;
  if (size - offset - header_len != a.bytes)
    fail(where, "holds " + std::to_string(size - offset - header_len) + " bytes of data, but its shape " +
                    shape_str(a.shape) + " needs " + std::to_string(a.bytes));
  return a;
}

std::string npy_bytes(const Tensor& t) { return xt::dump_npy(t); }

std::string npy_header(const Shape& shape, const char* descr) {
  std::ostringstream out;
  xt::detail::write_header(out, descr, false, shape);  // the header xt::dump_npy writes
  return out.str();
}

std::string npy_bytes(const std::vector<std::uint8_t>& bytes) {
  xt::xarray<std::uint8_t> a = xt::adapt(bytes, {bytes.size()});
  return xt::dump_npy(a);
}

}  // namespace minicnn
