#pragma once
// Private to io/onnx_*.cpp: reading an untrusted ONNX file into a ModelProto with bounded memory,
// and the small helpers export and import share. Errors are std::runtime_error("<name>: ...").
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

namespace minicnn::onnx_file {

// Parses data into m after checking the limits of io/onnx.hpp: the wire format is walked first
// (allocating nothing) to estimate the memory the parse will take, then parsed with protobuf's
// byte and recursion limits.
void parse_model(const std::uint8_t* data, std::size_t size, const std::string& name, onnx::ModelProto& m);

// A tensor's values, after checking that its data matches its dims (raw_data or the typed field,
// no external data, no segments). floats() reads FLOAT tensors, ints() INT64 and INT32 ones; what
// names the tensor in errors ("initializer '0.weight'").
std::vector<float> floats(const onnx::TensorProto& t, const std::string& what);
std::vector<std::int64_t> ints(const onnx::TensorProto& t, const std::string& what);
// The element count its dims declare; throws if a dim is negative or the count is absurd.
std::int64_t element_count(const onnx::TensorProto& t, const std::string& what);
// Throws unless a tensor of element_size-byte values holds as many as its dims declare, in the file.
void check_data(const onnx::TensorProto& t, const std::string& what, std::size_t element_size);

// "[1, 6, 5, 5]"
std::string dims_str(const std::vector<std::int64_t>& dims);
std::string type_name(int data_type);  // "FLOAT", "INT64"

}  // namespace minicnn::onnx_file
