#pragma once
// Options structs with chained setters, as PyTorch's C++ frontend writes them:
//
//     Conv2d conv(Conv2dOptions(1, 6, 5).padding(2).bias(false));
//
// MINICNN_ARG(T, name) declares a knob: the setter name(v) returns the options object, so calls
// chain, and the getter name() reads it back. Required arguments go in the constructor.

#define MINICNN_ARG(T, name)             \
 public:                                 \
  auto& name(const T& new_value) {       \
    name##_ = new_value;                 \
    return *this;                        \
  }                                      \
  const T& name() const { return name##_; } \
                                         \
 private:                                \
  T name##_
