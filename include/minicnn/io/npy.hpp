#pragma once
// NumPy's .npy format: a magic string, a Python-dict header, then the raw little-endian data.
// minicnn writes float32 and uint8 arrays in C order (through xtensor's xnpy) and reads them back
// strictly: the input may come from anyone.
#include <cstdint>
#include <string>
#include <vector>

#include "minicnn/core/tensor.hpp"

namespace minicnn {

// A parsed array: points into the bytes it was parsed from.
struct NpyArray {
  std::string descr;  // "<f4" (float32) or "|u1" (uint8)
  Shape shape;
  const std::uint8_t* data = nullptr;
  std::size_t bytes = 0;
};

// Throws std::runtime_error("<where>: ...") for anything but a C-order float32 or uint8 array of
// at most 8 dimensions whose data is exactly as long as its shape says.
NpyArray parse_npy(const std::uint8_t* data, std::size_t size, const std::string& where);

std::string npy_bytes(const Tensor& t);                          // float32
// The header alone of a C-order array of this shape ("<f4": float32, "|u1": uint8), byte for byte
// what npy_bytes writes before the values: a writer can stream the values from where they are.
std::string npy_header(const Shape& shape, const char* descr);
std::string npy_bytes(const std::vector<std::uint8_t>& bytes);   // a 1-D uint8 array

}  // namespace minicnn
