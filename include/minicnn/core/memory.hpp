#pragma once
// How much memory one model may take, so that the limits on untrusted input (a spec, a checkpoint,
// an ONNX file) follow the machine instead of a fixed size: a hostile file is still refused before
// anything large is allocated, and a big model fits where the memory is there.
//
// The limit is MINICNN_MAX_MEMORY when it is set (bytes, or a number with K, M, G or T: "512M",
// "16G"), else half of the machine's memory (MemTotal in /proc/meminfo), and never more than the
// process's RLIMIT_AS or RLIMIT_DATA (ulimit -v, -d).
#include <cstddef>
#include <cstdint>
#include <string>

#include "minicnn/core/tensor.hpp"

namespace minicnn {

struct MemoryLimit {
  std::uint64_t bytes = 0;
  std::string why;  // "half of this machine's 23.5 GiB", "MINICNN_MAX_MEMORY=2G", "ulimit -v"
};

// Throws std::invalid_argument naming MINICNN_MAX_MEMORY when its value is not a size.
MemoryLimit memory_limit();
// "12 GiB (half of this machine's 23.5 GiB; set MINICNN_MAX_MEMORY, e.g. MINICNN_MAX_MEMORY=24G, to raise it)"
std::string memory_limit_text();
// The most weights one layer may have: a weight takes 16 bytes in training (its value, its
// gradient and two optimiser moments), so memory_limit() / 16.
std::size_t max_layer_parameters();
// A tensor of zeros whose whole pages are left untouched until written: they read as zeros, but
// take no memory until then. The layers' gradients are made so: a big model that is imported or
// evaluated, not trained, holds its weights once, not twice.
Tensor zeros_untouched(const Shape& shape);
// "1.5 GiB", "300 MiB", "12 KiB", "17 bytes"
std::string bytes_text(std::uint64_t bytes);

}  // namespace minicnn
