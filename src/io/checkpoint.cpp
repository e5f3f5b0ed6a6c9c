#include "minicnn/io/checkpoint.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <xtensor/xnpy.hpp>

#include "minicnn/core/registry.hpp"

namespace minicnn {

namespace {

constexpr const char* kMetaName = "__minicnn__";
constexpr const char* kOptimizerPrefix = "optimizer.";

[[noreturn]] void fail(const std::string& name, const std::string& what) { throw std::runtime_error(name + ": " + what); }

std::string dirname_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

// ---- .npy: written by xtensor's xnpy; read here, strictly, because the input is untrusted ----

struct NpyArray {
  std::string descr;
  Shape shape;
  const std::uint8_t* data = nullptr;
  std::size_t bytes = 0;
};

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

// ---- zip (via libzip) ----

struct ZipCloser {
  void operator()(zip_t* z) const {
    if (z) zip_discard(z);
  }
};

std::string json_text(const CheckpointInfo& info) {
  nlohmann::json extra;
  try {
    extra = nlohmann::json::parse(info.extra_json);
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("save_checkpoint: extra_json is not valid JSON: ") + e.what());
  }
  nlohmann::json j{{"format", "minicnn"},
                   {"version", info.version},
                   {"spec", info.spec},
                   {"input_shape", info.input_shape},
                   {"extra", extra}};
  return j.dump(1);
}

}  // namespace

const Tensor* CheckpointFile::find(const std::string& name) const {
  for (const auto& [n, t] : arrays)
    if (n == name) return &t;
  return nullptr;
}

void write_file_atomic(const std::string& path, const void* data, std::size_t size) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(path, std::string("cannot write: ") + std::strerror(errno));
  const auto* p = static_cast<const char*>(data);
  std::size_t left = size;
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      fail(path, std::string("write failed: ") + std::strerror(err));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  // Data on disk before the rename makes it visible: a crash leaves the old file or the new one.
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail(path, std::string("write failed: ") + std::strerror(err));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail(path, std::string("cannot rename the finished file into place: ") + std::strerror(err));
  }
  const int dfd = ::open(dirname_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);  // make the rename itself durable
    ::close(dfd);
  }
}

void save_checkpoint(const std::string& path, Sequential& model, const CheckpointInfo& info, Optimizer* optimizer) {
  std::vector<std::pair<std::string, std::string>> entries;  // name -> .npy bytes
  for (auto& [n, p] : model.parameters()) entries.emplace_back(n, xt::dump_npy(p->value));
  for (auto& [n, b] : model.buffers()) entries.emplace_back(n, xt::dump_npy(*b));
  if (optimizer)
    for (auto& [n, s] : optimizer->state()) entries.emplace_back(kOptimizerPrefix + n, xt::dump_npy(*s));
  const std::string meta = json_text(info);
  xt::xarray<std::uint8_t> meta_bytes = xt::adapt(std::vector<std::uint8_t>(meta.begin(), meta.end()));
  entries.emplace_back(kMetaName, xt::dump_npy(meta_bytes));

  // Build the zip in memory, then write it atomically.
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* mem = zip_source_buffer_create(nullptr, 0, 0, &err);
  if (!mem) fail(path, "libzip: " + std::string(zip_error_strerror(&err)));
  zip_source_keep(mem);
  std::unique_ptr<zip_t, ZipCloser> z(zip_open_from_source(mem, ZIP_TRUNCATE, &err));
  if (!z) {
    zip_source_free(mem);
    fail(path, "libzip: " + std::string(zip_error_strerror(&err)));
  }
  for (const auto& [name, bytes] : entries) {
    zip_source_t* src = zip_source_buffer(z.get(), bytes.data(), bytes.size(), 0);
    const zip_int64_t idx = src ? zip_file_add(z.get(), (name + ".npy").c_str(), src, ZIP_FL_ENC_UTF_8) : -1;
    if (idx < 0) {
      if (src) zip_source_free(src);
      zip_source_free(mem);
      fail(path, "libzip: cannot add " + name + ": " + zip_strerror(z.get()));
    }
    zip_set_file_compression(z.get(), static_cast<zip_uint64_t>(idx), ZIP_CM_STORE, 0);  // like numpy.savez
    // A fixed timestamp (1980-01-01, zip's epoch): the same model gives a byte-identical file.
    zip_file_set_mtime(z.get(), static_cast<zip_uint64_t>(idx), 315532800, 0);
  }
  if (zip_close(z.get()) != 0) {
    const std::string why = zip_strerror(z.get());
    zip_source_free(mem);
    fail(path, "libzip: " + why);
  }
  z.release();  // closed
  zip_stat_t st;
  std::string out;
  if (zip_source_stat(mem, &st) == 0 && zip_source_open(mem) == 0) {
    out.resize(st.size);
    const zip_int64_t n = zip_source_read(mem, out.data(), st.size);
    zip_source_close(mem);
    if (n != static_cast<zip_int64_t>(st.size)) out.clear();
  }
  zip_source_free(mem);
  if (out.empty()) fail(path, "libzip: could not read back the archive it built");
  write_file_atomic(path, out.data(), out.size());
}

CheckpointFile parse_checkpoint(const std::uint8_t* data, std::size_t size, const std::string& name) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(data, size, 0, &err);
  if (!src) fail(name, "libzip: " + std::string(zip_error_strerror(&err)));
  std::unique_ptr<zip_t, ZipCloser> z(zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err));
  if (!z) {
    zip_source_free(src);
    fail(name, "not a valid .npz (zip) file: " + std::string(zip_error_strerror(&err)));
  }
  const zip_int64_t n = zip_get_num_entries(z.get(), 0);
  if (n < 0 || static_cast<std::size_t>(n) > kCheckpointMaxEntries)
    fail(name, "holds " + std::to_string(n) + " entries; the limit is " + std::to_string(kCheckpointMaxEntries));

  CheckpointFile file;
  bool have_meta = false;
  std::uint64_t total = 0;
  std::vector<std::uint8_t> buf;
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    if (zip_stat_index(z.get(), static_cast<zip_uint64_t>(i), 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME) ||
        !(st.valid & ZIP_STAT_SIZE))
      fail(name, "cannot read entry " + std::to_string(i) + " of the archive");
    std::string entry = st.name;
    const std::string where = name + " entry '" + entry + "'";
    if (entry.size() < 5 || entry.compare(entry.size() - 4, 4, ".npy") != 0)
      fail(name, "entry '" + entry + "' is not a .npy array");
    entry.resize(entry.size() - 4);
    // Refuse by declared size before inflating anything: a zip bomb is stopped here.
    if (st.size > kCheckpointMaxEntryBytes)
      fail(name, "entry '" + entry + "' claims " + std::to_string(st.size) + " bytes, over the limit of " +
                     std::to_string(kCheckpointMaxEntryBytes));
    total += st.size;
    if (total > kCheckpointMaxTotalBytes)
      fail(name, "entries claim more than " + std::to_string(kCheckpointMaxTotalBytes) + " bytes in total");
    if ((st.valid & ZIP_STAT_COMP_SIZE) && st.comp_size > 0 && st.size / 1100 > st.comp_size)
      fail(name, "entry '" + entry + "' claims a compression ratio no deflate stream can reach (a zip bomb?)");
    if ((st.valid & ZIP_STAT_COMP_SIZE) && (st.valid & ZIP_STAT_COMP_METHOD) && st.comp_method == ZIP_CM_STORE &&
        st.comp_size != st.size)
      fail(name, "entry '" + entry + "' is stored uncompressed but its sizes disagree");
    if ((st.valid & ZIP_STAT_COMP_SIZE) && st.comp_size > size) fail(name, "truncated: entry '" + entry + "' runs past the end");
    zip_file_t* f = zip_fopen_index(z.get(), static_cast<zip_uint64_t>(i), 0);
    if (!f) fail(name, "cannot open entry '" + entry + "': " + zip_strerror(z.get()));
    buf.resize(st.size);
    zip_int64_t got = 0;
    while (static_cast<zip_uint64_t>(got) < st.size) {
      const zip_int64_t r = zip_fread(f, buf.data() + got, st.size - static_cast<zip_uint64_t>(got));
      if (r <= 0) break;
      got += r;
    }
    std::uint8_t extra;
    const bool more = static_cast<zip_uint64_t>(got) == st.size && zip_fread(f, &extra, 1) > 0;
    const std::string ferr = zip_file_strerror(f);
    zip_fclose(f);
    if (static_cast<zip_uint64_t>(got) != st.size || more)
      fail(name, "entry '" + entry + "' is corrupt or truncated (read " + std::to_string(got) + " of " +
                     std::to_string(st.size) + " bytes: " + ferr + ")");
    // libzip does not check the CRC of stored (uncompressed) entries; a flipped bit must not load.
    if ((st.valid & ZIP_STAT_CRC) && crc32(0L, buf.data(), static_cast<uInt>(buf.size())) != st.crc)
      fail(name, "entry '" + entry + "' is corrupt (CRC-32 mismatch)");
    const NpyArray a = parse_npy(buf.data(), buf.size(), where);
    if (entry == kMetaName) {
      if (a.descr == "<f4" || a.bytes > kCheckpointMaxMetaBytes) fail(where, "is not the JSON metadata minicnn writes");
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(std::string(reinterpret_cast<const char*>(a.data), a.bytes));
        if (j.at("format").get<std::string>() != "minicnn") throw std::runtime_error("format is not 'minicnn'");
        file.info.version = j.at("version").get<int>();
        file.info.spec = j.at("spec").get<std::string>();
        file.info.input_shape = j.at("input_shape").get<Shape>();
        file.info.extra_json = j.value("extra", nlohmann::json::object()).dump();
      } catch (const std::exception& e) {
        fail(where, std::string("metadata is not valid: ") + e.what());
      }
      if (file.info.version != kCheckpointVersion)
        fail(name, "checkpoint format version " + std::to_string(file.info.version) + "; this minicnn reads version " +
                       std::to_string(kCheckpointVersion));
      have_meta = true;
      continue;
    }
    if (a.descr != "<f4") fail(where, "has dtype '" + a.descr + "'; expected float32 ('<f4')");
    if (file.find(entry)) fail(name, "holds '" + entry + "' twice");
    Tensor t = Tensor::from_shape(a.shape);
    if (a.bytes) std::memcpy(t.data(), a.data, a.bytes);
    file.arrays.emplace_back(entry, std::move(t));
  }
  if (!have_meta) fail(name, "has no '__minicnn__' metadata; it was not written by minicnn");
  return file;
}

CheckpointFile read_checkpoint(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) fail(path, std::string("cannot open: ") + std::strerror(errno));
  const std::streamoff size = in.tellg();
  if (size <= 0) fail(path, "is empty; expected a .npz checkpoint");
  if (static_cast<std::uint64_t>(size) > kCheckpointMaxTotalBytes) fail(path, "is larger than the 2 GiB checkpoint limit");
  std::vector<std::uint8_t> data(static_cast<std::size_t>(size));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(data.data()), size)) fail(path, "read error");
  return parse_checkpoint(data.data(), data.size(), path);
}

void load_into(const CheckpointFile& file, const std::string& name, Sequential& model, Optimizer* optimizer) {
  std::vector<std::pair<std::string, Tensor*>> targets;
  for (auto& [n, p] : model.parameters()) targets.emplace_back(n, &p->value);
  for (auto& [n, b] : model.buffers()) targets.emplace_back(n, b);
  if (optimizer)
    for (auto& [n, s] : optimizer->state()) targets.emplace_back(kOptimizerPrefix + n, s);
  // Check everything before changing anything, so a failed load leaves the model as it was.
  for (const auto& [n, t] : targets) {
    const Tensor* src = file.find(n);
    if (!src)
      fail(name, "has no tensor '" + n + "', which the model expects with shape " + shape_str(t->shape()) +
                     " (checkpoint architecture: " + file.info.spec + ")");
    if (src->shape() != t->shape())
      fail(name, "tensor '" + n + "' has shape " + shape_str(src->shape()) + ", but the model expects " +
                     shape_str(t->shape()));
  }
  for (const auto& [n, a] : file.arrays) {
    const bool is_opt = n.rfind(kOptimizerPrefix, 0) == 0;
    if (is_opt && !optimizer) continue;  // optimiser state is optional when only the model is wanted
    bool known = false;
    for (const auto& [tn, t] : targets) known = known || tn == n;
    if (!known)
      fail(name, "holds tensor '" + n + "', which the model" + (optimizer ? " and optimiser do" : " does") + " not have");
  }
  for (const auto& [n, t] : targets) copy_into(*t, *file.find(n));
}

std::unique_ptr<Sequential> load_model(const std::string& path, CheckpointInfo* info) {
  const CheckpointFile file = read_checkpoint(path);
  std::unique_ptr<Sequential> model;
  try {
    model = build_model(file.info.spec, file.info.input_shape);
  } catch (const std::invalid_argument& e) {
    fail(path, std::string("cannot rebuild its architecture: ") + e.what());
  }
  load_into(file, path, *model);
  if (info) *info = file.info;
  return model;
}

}  // namespace minicnn
