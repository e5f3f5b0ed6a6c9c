#include "io/onnx_file.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/message.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/wire_format_lite.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "minicnn/core/memory.hpp"
#include "minicnn/io/onnx.hpp"

namespace minicnn::onnx_file {

namespace gp = google::protobuf;
using Wire = gp::internal::WireFormatLite;

namespace {

[[noreturn]] void fail(const std::string& name, const std::string& what) { throw std::runtime_error(name + ": " + what); }

// protobuf reports a failed parse on stderr; keep its words for our one error line instead.
std::string& protobuf_message() {
  static std::string last;
  return last;
}
void keep_protobuf_message(gp::LogLevel, const char*, int, const std::string& message) { protobuf_message() = message; }

// Estimates what ParseFromCodedStream will allocate, by walking the wire format with the ONNX
// descriptors and allocating nothing. The file size alone bounds nothing: an empty sub-message is
// 2 bytes on disk but a whole message object (a NodeProto is ~150 bytes), a slot in its parent's
// array and a malloc header in memory; a packed run of 1-byte varints becomes 8-byte integers.
class MemoryEstimate {
  static constexpr const char* kCutOff = "a value is cut off (the file is truncated or damaged)";

 public:
  // limit_text says what the limit is and how to raise it, for the error.
  MemoryEstimate(std::uint64_t limit, std::string limit_text) : limit_(limit), limit_text_(std::move(limit_text)) {}

  // Walks one message of type d up to the stream's current limit; false with error() on a problem.
  bool walk(const gp::Descriptor* d, gp::io::CodedInputStream& in, int depth) {
    if (depth > kOnnxMaxDepth) return bad("messages nested deeper than " + std::to_string(kOnnxMaxDepth));
    for (;;) {
      const std::uint32_t tag = in.ReadTag();
      if (tag == 0) return in.BytesUntilLimit() == 0 || in.BytesUntilLimit() == -1 ? true : bad("a field tag is damaged");
      const gp::FieldDescriptor* f = d->FindFieldByNumber(static_cast<int>(Wire::GetTagFieldNumber(tag)));
      if (!field(f, Wire::GetTagWireType(tag), in, depth)) return false;
      if (bytes_ > limit_) return bad("reading it would take more than " + limit_text_ + " of memory");
    }
  }
  const std::string& error() const { return error_; }
  std::uint64_t bytes() const { return bytes_; }

 private:
  bool field(const gp::FieldDescriptor* f, Wire::WireType type, gp::io::CodedInputStream& in, int depth) {
    std::uint64_t u64;
    std::uint32_t u32;
    switch (type) {
      case Wire::WIRETYPE_VARINT: bytes_ += 16; return in.ReadVarint64(&u64) || bad(kCutOff);
      case Wire::WIRETYPE_FIXED64: bytes_ += 16; return in.ReadLittleEndian64(&u64) || bad(kCutOff);
      case Wire::WIRETYPE_FIXED32: bytes_ += 16; return in.ReadLittleEndian32(&u32) || bad(kCutOff);
      case Wire::WIRETYPE_LENGTH_DELIMITED: break;
      default: return bad("it uses a protobuf wire type ONNX never writes (" + std::to_string(type) + ")");
    }
    std::uint32_t len;
    if (!in.ReadVarint32(&len)) return bad("a length is cut off (the file is truncated or damaged)");
    if (static_cast<std::int64_t>(len) > in.BytesUntilTotalBytesLimit())
      return bad("a field claims " + std::to_string(len) + " bytes but only " +
                 std::to_string(in.BytesUntilTotalBytesLimit()) + " follow (the file is truncated or damaged)");
    if (f && f->type() == gp::FieldDescriptor::TYPE_MESSAGE) {
      const gp::Message* proto = gp::MessageFactory::generated_factory()->GetPrototype(f->message_type());
      bytes_ += (proto ? proto->SpaceUsedLong() : 256) + 32;
      const auto old = in.PushLimit(static_cast<int>(len));
      if (!walk(f->message_type(), in, depth + 1)) return false;
      in.PopLimit(old);
      return true;
    }
    const bool text = f && (f->type() == gp::FieldDescriptor::TYPE_STRING || f->type() == gp::FieldDescriptor::TYPE_BYTES);
    const bool fixed = f && (f->type() == gp::FieldDescriptor::TYPE_FLOAT || f->type() == gp::FieldDescriptor::TYPE_DOUBLE);
    bytes_ += text ? 64 + len : fixed ? 2ull * len : 16ull * len;  // packed varints: 8 bytes each, doubling arrays
    return in.Skip(static_cast<int>(len)) || bad(kCutOff);
  }
  bool bad(const std::string& what) {
    if (error_.empty()) error_ = what;
    return false;
  }

  std::uint64_t limit_, bytes_ = 0;
  std::string limit_text_, error_;
};

// Copies a model's bytes but the raw_data of its graph initializers of kOnnxLeftInFileBytes or
// more, noting where each lies (ModelProto.graph = 7, GraphProto.initializer = 5,
// TensorProto.raw_data = 9). Runs on bytes MemoryEstimate has walked, so their structure is sound.
class Stripper {
 public:
  Stripper(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool run(std::string& out, std::vector<TensorRef>& skipped) {
    gp::io::CodedInputStream in(data_, static_cast<int>(size_));
    in.SetTotalBytesLimit(static_cast<int>(size_));
    return message(in, 0, out, skipped);
  }
  std::uint64_t left_out() const { return left_out_; }

 private:
  // level 0: ModelProto, 1: GraphProto, 2: TensorProto (an initializer).
  bool message(gp::io::CodedInputStream& in, int level, std::string& out, std::vector<TensorRef>& skipped) {
    TensorRef* mine = nullptr;
    if (level == 2) {
      skipped.emplace_back();
      mine = &skipped.back();
    }
    for (;;) {
      const int start = in.CurrentPosition();
      const std::uint32_t tag = in.ReadTag();
      if (tag == 0) return true;
      const auto field = Wire::GetTagFieldNumber(tag);
      const auto type = Wire::GetTagWireType(tag);
      if (type != Wire::WIRETYPE_LENGTH_DELIMITED) {
        if (!Wire::SkipField(&in, tag)) return false;
        out.append(reinterpret_cast<const char*>(data_) + start, static_cast<std::size_t>(in.CurrentPosition() - start));
        continue;
      }
      std::uint32_t len;
      if (!in.ReadVarint32(&len)) return false;
      const int body = in.CurrentPosition();
      const bool nested = (level == 0 && field == 7) || (level == 1 && field == 5);
      if (nested) {
        std::string sub;
        const auto old = in.PushLimit(static_cast<int>(len));
        if (!message(in, level + 1, sub, skipped)) return false;
        in.PopLimit(old);
        append_varint(out, tag);
        append_varint(out, sub.size());
        out += sub;
        continue;
      }
      if (!in.Skip(static_cast<int>(len))) return false;
      if (level == 2 && field == 9) {
        *mine = TensorRef{};  // the last raw_data counts, as in protobuf
        if (len >= kOnnxLeftInFileBytes) {
          *mine = TensorRef{nullptr, data_ + body, len, true};
          left_out_ += len;
          continue;
        }
      }
      out.append(reinterpret_cast<const char*>(data_) + start, static_cast<std::size_t>(in.CurrentPosition() - start));
    }
  }
  static void append_varint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) out += static_cast<char>((v & 0x7f) | 0x80), v >>= 7;
    out += static_cast<char>(v);
  }

  const std::uint8_t* data_;
  std::size_t size_;
  std::uint64_t left_out_ = 0;
};

// What a file that protobuf cannot read plainly is, by its first bytes ("a PNG image"), or "":
// "import my_digit.png" should say that, not which protobuf field looked damaged.
std::string plainly_not_onnx(const std::uint8_t* data, std::size_t size) {
  const auto starts = [&](const char* magic, std::size_t n) { return size >= n && std::memcmp(data, magic, n) == 0; };
  if (starts("\x89PNG\r\n\x1a\n", 8)) return "a PNG image";
  if (starts("\xff\xd8\xff", 3)) return "a JPEG image";
  if (starts("GIF8", 4)) return "a GIF image";
  if (starts("BM", 2) && size >= 14) return "a BMP image";
  if (starts("\x93NUMPY", 6)) return "a NumPy .npy array";
  if (starts("PK\x03\x04", 4) || starts("PK\x05\x06", 4)) return "a zip archive (a minicnn .npz checkpoint is one)";
  if (starts("\x1f\x8b", 2)) return "a gzip file";
  if (starts("%PDF", 4)) return "a PDF document";
  // Text: the first bytes are all printable or white space (an ONNX model begins with binary field tags and lengths).
  const std::size_t n = std::min<std::size_t>(size, 64);
  for (std::size_t i = 0; i < n; ++i)
    if ((data[i] < 0x20 && data[i] != '\n' && data[i] != '\r' && data[i] != '\t') || data[i] == 0x7f) return "";
  return n >= 4 ? "a text file" : "";
}

[[noreturn]] void fail_unreadable(const std::uint8_t* data, std::size_t size, const std::string& name, const std::string& what) {
  const std::string kind = plainly_not_onnx(data, size);
  if (!kind.empty()) fail(name, "is not an ONNX file (it starts like " + kind + ")");
  fail(name, what);
}

}  // namespace

void parse_model(const std::uint8_t* data, std::size_t size, const std::string& name, onnx::ModelProto& m,
                 std::vector<TensorRef>& skipped) {
  static const bool quiet = (gp::SetLogHandler(keep_protobuf_message), true);
  (void)quiet;
  if (size == 0) fail(name, "is empty; expected an ONNX model");
  const std::uint64_t limit = memory_limit().bytes;
  if (size > limit || size > static_cast<std::uint64_t>(INT32_MAX))
    fail(name, "is " + bytes_text(size) + ", larger than " +
                   (size > limit ? "the memory limit of " + memory_limit_text() : std::string("the 2 GiB protobuf can read")));
  const int n = static_cast<int>(size);
  {
    // The whole model, its weights counted once (the model built from it holds them).
    gp::io::CodedInputStream in(data, n);
    in.SetTotalBytesLimit(n);
    MemoryEstimate estimate(limit, "the memory limit of " + memory_limit_text());
    if (!estimate.walk(onnx::ModelProto::descriptor(), in, 0))
      fail_unreadable(data, size, name, "is not a usable ONNX model: " + estimate.error());
  }
  std::string rest;
  Stripper strip(data, size);
  skipped.clear();
  if (!strip.run(rest, skipped)) fail(name, "is not a usable ONNX model: a field is damaged");
  const std::uint64_t parse_limit = kOnnxMaxParseBytes + kOnnxParseBytesPerFileByte * rest.size();
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(rest.data());
  const int rn = static_cast<int>(rest.size());
  {
    // What protobuf will allocate: at most a few times what it reads, as a real model takes.
    gp::io::CodedInputStream in(bytes, rn);
    in.SetTotalBytesLimit(rn);
    MemoryEstimate estimate(parse_limit, bytes_text(parse_limit) + " (" + bytes_text(kOnnxMaxParseBytes) + " plus " +
                                             std::to_string(kOnnxParseBytesPerFileByte) + " bytes per byte of the file)");
    if (!estimate.walk(onnx::ModelProto::descriptor(), in, 0))
      fail_unreadable(data, size, name, "is not a usable ONNX model: " + estimate.error());
  }
  gp::io::CodedInputStream in(bytes, rn);
  in.SetTotalBytesLimit(rn);
  in.SetRecursionLimit(kOnnxMaxDepth + 1);
  protobuf_message().clear();
  if (!m.ParseFromCodedStream(&in) || !in.ConsumedEntireMessage())
    fail_unreadable(data, size, name, "is not an ONNX model: protobuf cannot parse it" +
                   (protobuf_message().empty() ? std::string() : " (" + protobuf_message() + ")"));
  if (static_cast<std::size_t>(m.graph().initializer_size()) != skipped.size()) skipped.resize(static_cast<std::size_t>(m.graph().initializer_size()));
  for (int i = 0; i < m.graph().initializer_size(); ++i) skipped[static_cast<std::size_t>(i)].t = &m.graph().initializer(i);
}

TensorRef ref(const onnx::TensorProto& t) {
  return TensorRef{&t, reinterpret_cast<const std::uint8_t*>(t.raw_data().data()), t.raw_data().size(), t.has_raw_data()};
}

MappedFile::MappedFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error(path + ": cannot open it (" + std::strerror(errno) + ")");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw std::runtime_error(path + ": cannot read it: it is not a regular file");
  }
  size_ = static_cast<std::size_t>(st.st_size);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      throw std::runtime_error(path + ": cannot read it (" + std::strerror(err) + ")");
    }
    data_ = static_cast<const std::uint8_t*>(p);
  }
  ::close(fd);
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
}

void release(const std::uint8_t* p, std::uint64_t n) {
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = (reinterpret_cast<std::uintptr_t>(p) + page - 1) / page * page;
  const auto end = (reinterpret_cast<std::uintptr_t>(p) + n) / page * page;
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

std::string dims_str(const std::vector<std::int64_t>& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

std::string type_name(int data_type) {
  return onnx::TensorProto_DataType_IsValid(data_type) ? onnx::TensorProto_DataType_Name(data_type)
                                                       : "type " + std::to_string(data_type);
}

std::int64_t element_count(const onnx::TensorProto& t, const std::string& what) {
  std::int64_t n = 1;
  for (const std::int64_t d : t.dims()) {
    if (d < 0) throw std::runtime_error(what + " has a negative size in its dims " + dims_str({t.dims().begin(), t.dims().end()}));
    if (__builtin_mul_overflow(n, d, &n) || n > (std::int64_t(1) << 40))
      throw std::runtime_error(what + " declares dims " + dims_str({t.dims().begin(), t.dims().end()}) +
                               ", more values than any file can hold");
  }
  return n;
}

namespace {

// Where a tensor's values are: raw_data (little-endian, element_size bytes each) or the typed
// field, which must hold exactly as many values as the dims declare.
void check_storage(const TensorRef& r, const std::string& what, std::int64_t n, std::size_t element_size,
                   int typed_count) {
  const onnx::TensorProto& t = *r.t;
  if (t.data_location() == onnx::TensorProto::EXTERNAL || t.external_data_size() > 0)
    throw std::runtime_error(what + " keeps its data in an external file; minicnn reads only self-contained models "
                                    "(onnx.save_model(m, path, save_as_external_data=False))");
  if (t.has_segment()) throw std::runtime_error(what + " is split into segments, which minicnn does not read");
  if (r.has_raw) {
    if (typed_count) throw std::runtime_error(what + " holds both raw_data and typed values");
    if (r.raw_size != static_cast<std::uint64_t>(n) * element_size)
      throw std::runtime_error(what + " has " + std::to_string(r.raw_size) + " bytes of data, but its dims " +
                               dims_str({t.dims().begin(), t.dims().end()}) + " need " +
                               std::to_string(static_cast<std::uint64_t>(n) * element_size));
  } else if (typed_count != n) {
    throw std::runtime_error(what + " holds " + std::to_string(typed_count) + " values, but its dims " +
                             dims_str({t.dims().begin(), t.dims().end()}) + " need " + std::to_string(n));
  }
}

}  // namespace

void check_data(const TensorRef& r, const std::string& what, std::size_t element_size) {
  const onnx::TensorProto& t = *r.t;
  check_storage(r, what, element_count(t, what), element_size, t.float_data_size() + t.int32_data_size() +
                                                                    t.int64_data_size() + t.double_data_size());
}

void copy_floats(const TensorRef& r, float* out) {
  if (r.has_raw) std::memcpy(out, r.raw, r.raw_size);  // little-endian hosts only
  else std::copy(r.t->float_data().begin(), r.t->float_data().end(), out);
}

std::vector<float> floats(const TensorRef& r, const std::string& what) {
  const onnx::TensorProto& t = *r.t;
  if (t.data_type() != onnx::TensorProto::FLOAT)
    throw std::runtime_error(what + " is " + type_name(t.data_type()) + "; minicnn reads FLOAT (float32) weights");
  const std::int64_t n = element_count(t, what);
  check_storage(r, what, n, 4, t.float_data_size());
  std::vector<float> v(static_cast<std::size_t>(n));
  copy_floats(r, v.data());
  return v;
}

std::vector<std::int64_t> ints(const TensorRef& r, const std::string& what) {
  const onnx::TensorProto& t = *r.t;
  const bool i64 = t.data_type() == onnx::TensorProto::INT64;
  if (!i64 && t.data_type() != onnx::TensorProto::INT32)
    throw std::runtime_error(what + " is " + type_name(t.data_type()) + "; expected INT64 or INT32");
  const std::int64_t n = element_count(t, what);
  check_storage(r, what, n, i64 ? 8 : 4, i64 ? t.int64_data_size() : t.int32_data_size());
  std::vector<std::int64_t> v(static_cast<std::size_t>(n));
  const auto* raw = r.raw;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!r.has_raw) {
      v[i] = i64 ? t.int64_data(static_cast<int>(i)) : t.int32_data(static_cast<int>(i));
    } else if (i64) {
      std::memcpy(&v[i], raw + 8 * i, 8);
    } else {
      std::int32_t x;
      std::memcpy(&x, raw + 4 * i, 4);
      v[i] = x;
    }
  }
  return v;
}

}  // namespace minicnn::onnx_file
