#include "minicnn/core/tensor.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace minicnn {

std::string shape_str(const Shape& shape) {
  std::ostringstream os;
  os << "(";
  for (std::size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
  os << ")";
  return os.str();
}

std::string size2_str(Size2 s) {
  return s.square() ? std::to_string(s.h) : "(" + std::to_string(s.h) + ", " + std::to_string(s.w) + ")";
}

std::string size2_spec(Size2 s) {
  return s.square() ? std::to_string(s.h) : std::to_string(s.h) + "x" + std::to_string(s.w);
}

std::string pads2d_str(const Pads2d& p) {
  if (p.symmetric()) return size2_str(Size2(p.top, p.left));
  return "(" + std::to_string(p.left) + ", " + std::to_string(p.right) + ", " + std::to_string(p.top) + ", " +
         std::to_string(p.bottom) + ")";
}

std::string pads2d_spec(const Pads2d& p) {
  if (p.symmetric()) return size2_spec(Size2(p.top, p.left));
  return std::to_string(p.left) + "x" + std::to_string(p.right) + "x" + std::to_string(p.top) + "x" + std::to_string(p.bottom);
}

Shape shape_of(const Tensor& t) { return Shape(t.shape().begin(), t.shape().end()); }

void expect_rank(const Tensor& t, std::size_t rank, const char* who, const char* what) {
  if (t.dimension() != rank)
    throw std::invalid_argument(std::string(who) + ": expected " + what + ", got " + shape_str(t.shape()));
}

void expect_same_shape(const Tensor& t, const Tensor::shape_type& expected, const char* who) {
  if (!std::equal(t.shape().begin(), t.shape().end(), expected.begin(), expected.end()))
    throw std::invalid_argument(std::string(who) + ": expected shape " + shape_str(expected) + ", got " +
                                shape_str(t.shape()));
}

void ensure_shape(Tensor& t, const Tensor::shape_type& shape) {
  if (!std::equal(t.shape().begin(), t.shape().end(), shape.begin(), shape.end())) t.resize(shape);
}

void ensure_shape(Tensor& t, std::initializer_list<std::size_t> shape) {
  ensure_shape(t, Tensor::shape_type(shape.begin(), shape.end()));
}

void copy_into(Tensor& dst, const Tensor& src) {
  ensure_shape(dst, src.shape());
  std::copy(src.data(), src.data() + src.size(), dst.data());
}

}  // namespace minicnn
