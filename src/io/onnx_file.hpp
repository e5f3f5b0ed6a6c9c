#pragma once
// Private to io/onnx_*.cpp: reading an untrusted ONNX file into a ModelProto with bounded memory,
// and the small helpers export and import share. Errors are std::runtime_error("<name>: ...").
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

namespace minicnn::onnx_file {

// A tensor and where its raw_data is: in the TensorProto itself, or left in the file's bytes by
// parse_model (raw points into them, valid while they are).
struct TensorRef {
  const onnx::TensorProto* t = nullptr;
  const std::uint8_t* raw = nullptr;
  std::uint64_t raw_size = 0;
  bool has_raw = false;
};
TensorRef ref(const onnx::TensorProto& t);

// Parses data into m after checking the limits of io/onnx.hpp: the wire format is walked first
// (allocating nothing) to estimate the memory the parse will take, then parsed with protobuf's
// byte and recursion limits. The raw_data of graph initializers of kOnnxLeftInFileBytes or more is
// left out of m: skipped[i] says where initializer i's lies in data (has_raw false: not left out),
// so that the weights are copied once, from the file straight into the model.
constexpr std::uint64_t kOnnxLeftInFileBytes = 4096;
void parse_model(const std::uint8_t* data, std::size_t size, const std::string& name, onnx::ModelProto& m,
                 std::vector<TensorRef>& skipped);

// A tensor's values, after checking that its data matches its dims (raw_data or the typed field,
// no external data, no segments). floats() reads FLOAT tensors, ints() INT64 and INT32 ones; what
// names the tensor in errors ("initializer '0.weight'").
std::vector<float> floats(const TensorRef& t, const std::string& what);
inline std::vector<float> floats(const onnx::TensorProto& t, const std::string& what) { return floats(ref(t), what); }
std::vector<std::int64_t> ints(const TensorRef& t, const std::string& what);
inline std::vector<std::int64_t> ints(const onnx::TensorProto& t, const std::string& what) { return ints(ref(t), what); }
// The element count its dims declare; throws if a dim is negative or the count is absurd.
std::int64_t element_count(const onnx::TensorProto& t, const std::string& what);
// Throws unless a tensor of element_size-byte values holds as many as its dims declare, in the file.
void check_data(const TensorRef& t, const std::string& what, std::size_t element_size);
// Copies a checked FLOAT tensor's n values into out (n = its element count).
void copy_floats(const TensorRef& t, float* out);

// A file mapped read-only, so a big model is not read into memory: the pages parse_model walks are
// read as it touches them, and release() gives back those of a weight once it is copied.
// Throws std::runtime_error("<path>: ...") when it cannot be opened.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};
// Drops the whole pages of [p, p + n), which lie in a MappedFile, from memory (they would be read
// again from the file if touched).
void release(const std::uint8_t* p, std::uint64_t n);

// "[1, 6, 5, 5]"
std::string dims_str(const std::vector<std::int64_t>& dims);
std::string type_name(int data_type);  // "FLOAT", "INT64"

}  // namespace minicnn::onnx_file
