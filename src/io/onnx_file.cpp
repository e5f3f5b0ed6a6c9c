#include "io/onnx_file.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/message.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/wire_format_lite.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

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
  explicit MemoryEstimate(std::uint64_t limit) : limit_(limit) {}

  // Walks one message of type d up to the stream's current limit; false with error() on a problem.
  bool walk(const gp::Descriptor* d, gp::io::CodedInputStream& in, int depth) {
    if (depth > kOnnxMaxDepth) return bad("messages nested deeper than " + std::to_string(kOnnxMaxDepth));
    for (;;) {
      const std::uint32_t tag = in.ReadTag();
      if (tag == 0) return in.BytesUntilLimit() == 0 || in.BytesUntilLimit() == -1 ? true : bad("a field tag is damaged");
      const gp::FieldDescriptor* f = d->FindFieldByNumber(static_cast<int>(Wire::GetTagFieldNumber(tag)));
      if (!field(f, Wire::GetTagWireType(tag), in, depth)) return false;
      if (bytes_ > limit_) return bad("parsing it would take more than " + std::to_string(limit_ >> 20) + " MiB of memory");
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
  std::string error_;
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

void parse_model(const std::uint8_t* data, std::size_t size, const std::string& name, onnx::ModelProto& m) {
  static const bool quiet = (gp::SetLogHandler(keep_protobuf_message), true);
  (void)quiet;
  if (size == 0) fail(name, "is empty; expected an ONNX model");
  if (size > kOnnxMaxFileBytes)
    fail(name, "is larger than the " + std::to_string(kOnnxMaxFileBytes >> 20) + " MiB limit for ONNX models");
  const int n = static_cast<int>(size);
  const std::uint64_t limit = kOnnxMaxParseBytes + kOnnxParseBytesPerFileByte * size;
  {
    gp::io::CodedInputStream in(data, n);
    in.SetTotalBytesLimit(n);
    MemoryEstimate estimate(limit);
    if (!estimate.walk(onnx::ModelProto::descriptor(), in, 0))
      fail_unreadable(data, size, name, "is not a usable ONNX model: " + estimate.error());
  }
  gp::io::CodedInputStream in(data, n);
  in.SetTotalBytesLimit(n);
  in.SetRecursionLimit(kOnnxMaxDepth + 1);
  protobuf_message().clear();
  if (!m.ParseFromCodedStream(&in) || !in.ConsumedEntireMessage())
    fail_unreadable(data, size, name, "is not an ONNX model: protobuf cannot parse it" +
                   (protobuf_message().empty() ? std::string() : " (" + protobuf_message() + ")"));
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
void check_storage(const onnx::TensorProto& t, const std::string& what, std::int64_t n, std::size_t element_size,
                   int typed_count) {
  if (t.data_location() == onnx::TensorProto::EXTERNAL || t.external_data_size() > 0)
    throw std::runtime_error(what + " keeps its data in an external file; minicnn reads only self-contained models "
                                    "(onnx.save_model(m, path, save_as_external_data=False))");
  if (t.has_segment()) throw std::runtime_error(what + " is split into segments, which minicnn does not read");
  if (t.has_raw_data()) {
    if (typed_count) throw std::runtime_error(what + " holds both raw_data and typed values");
    if (t.raw_data().size() != static_cast<std::uint64_t>(n) * element_size)
      throw std::runtime_error(what + " has " + std::to_string(t.raw_data().size()) + " bytes of data, but its dims " +
                               dims_str({t.dims().begin(), t.dims().end()}) + " need " +
                               std::to_string(static_cast<std::uint64_t>(n) * element_size));
  } else if (typed_count != n) {
    throw std::runtime_error(what + " holds " + std::to_string(typed_count) + " values, but its dims " +
                             dims_str({t.dims().begin(), t.dims().end()}) + " need " + std::to_string(n));
  }
}

}  // namespace

void check_data(const onnx::TensorProto& t, const std::string& what, std::size_t element_size) {
  check_storage(t, what, element_count(t, what), element_size, t.float_data_size() + t.int32_data_size() +
                                                                    t.int64_data_size() + t.double_data_size());
}

std::vector<float> floats(const onnx::TensorProto& t, const std::string& what) {
  if (t.data_type() != onnx::TensorProto::FLOAT)
    throw std::runtime_error(what + " is " + type_name(t.data_type()) + "; minicnn reads FLOAT (float32) weights");
  const std::int64_t n = element_count(t, what);
  check_storage(t, what, n, 4, t.float_data_size());
  std::vector<float> v(static_cast<std::size_t>(n));
  if (t.has_raw_data()) std::memcpy(v.data(), t.raw_data().data(), v.size() * 4);  // little-endian hosts only
  else std::copy(t.float_data().begin(), t.float_data().end(), v.begin());
  return v;
}

std::vector<std::int64_t> ints(const onnx::TensorProto& t, const std::string& what) {
  const bool i64 = t.data_type() == onnx::TensorProto::INT64;
  if (!i64 && t.data_type() != onnx::TensorProto::INT32)
    throw std::runtime_error(what + " is " + type_name(t.data_type()) + "; expected INT64 or INT32");
  const std::int64_t n = element_count(t, what);
  check_storage(t, what, n, i64 ? 8 : 4, i64 ? t.int64_data_size() : t.int32_data_size());
  std::vector<std::int64_t> v(static_cast<std::size_t>(n));
  const char* raw = t.raw_data().data();
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!t.has_raw_data()) {
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
