#pragma once
// One seedable random generator drives every random choice in minicnn (weight init, data
// shuffling, dropout), so a run is reproducible from its seed. The distributions are written
// here rather than taken from <random>, whose normal/uniform distributions differ between
// standard libraries: the same seed gives the same weights with any compiler.
#include <cstdint>
#include <string>

#include "minicnn/core/tensor.hpp"

namespace minicnn {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0) { seed_with(seed); }
  void seed_with(std::uint64_t seed);
  std::uint64_t next_u64();
  float uniform();                      // [0, 1)
  float uniform(float lo, float hi);    // [lo, hi)
  float normal(float mean = 0.f, float stddev = 1.f);
  std::size_t below(std::size_t n);     // uniform integer in [0, n), unbiased

  // The full generator state as text, to save in a checkpoint and restore for an exact resume.
  std::string state() const;
  void set_state(const std::string& state);

 private:
  std::uint64_t s_[4];    // xoshiro256** state (Blackman & Vigna, 2018)
  bool has_spare_ = false;
  double spare_ = 0;      // Box-Muller makes normals in pairs
};

// The process-wide generator, like torch's default generator.
Rng& global_rng();
void manual_seed(std::uint64_t seed);

// Fan-in / fan-out of a weight shaped (out, in, *receptive field), as PyTorch computes them.
std::pair<std::size_t, std::size_t> fan_in_out(const Shape& weight_shape);

namespace init {
// PyTorch's default for Conv2d/Linear weights: kaiming_uniform(a = sqrt(5)), i.e.
// U(-b, b) with b = gain * sqrt(3 / fan_in), gain = sqrt(2 / (1 + a^2)); for a = sqrt(5), b = 1/sqrt(fan_in).
void kaiming_uniform(Tensor& w, float a, Rng& rng = global_rng());
// N(0, std) with std = gain / sqrt(fan_in), gain = sqrt(2 / (1 + a^2)); a = 0 suits ReLU (He et al., 2015).
void kaiming_normal(Tensor& w, float a = 0.f, Rng& rng = global_rng());
// Glorot & Bengio (2010): U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)).
void xavier_uniform(Tensor& w, float gain = 1.f, Rng& rng = global_rng());
// N(0, std) with std = gain * sqrt(2 / (fan_in + fan_out)).
void xavier_normal(Tensor& w, float gain = 1.f, Rng& rng = global_rng());
void uniform(Tensor& t, float lo, float hi, Rng& rng = global_rng());
void normal(Tensor& t, float mean, float stddev, Rng& rng = global_rng());
void constant(Tensor& t, float value);
void zeros(Tensor& t);
// PyTorch's default bias init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in taken from the weight.
void default_bias(Tensor& bias, const Shape& weight_shape, Rng& rng = global_rng());
}  // namespace init

}  // namespace minicnn
