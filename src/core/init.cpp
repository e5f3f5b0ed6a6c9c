#include "minicnn/core/init.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace minicnn {

namespace {
std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

void Rng::seed_with(std::uint64_t seed) {
  for (auto& s : s_) s = splitmix64(seed);  // splitmix64 never yields an all-zero xoshiro state
  has_spare_ = false;
  spare_ = 0;
}

std::uint64_t Rng::next_u64() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

float Rng::uniform() { return static_cast<float>(next_u64() >> 40) * (1.0f / 16777216.0f); }  // 24 bits

float Rng::uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }

float Rng::normal(float mean, float stddev) {
  if (has_spare_) {
    has_spare_ = false;
    return static_cast<float>(mean + stddev * spare_);
  }
  // Box-Muller on (0, 1] x [0, 1): u1 is never 0, so log(u1) is finite.
  const double u1 = (static_cast<double>(next_u64() >> 11) + 1.0) * (1.0 / 9007199254740992.0);
  const double u2 = static_cast<double>(next_u64() >> 11) * (1.0 / 9007199254740992.0);
  const double r = std::sqrt(-2.0 * std::log(u1)), theta = 2.0 * M_PI * u2;
  spare_ = r * std::sin(theta);
  has_spare_ = true;
  return static_cast<float>(mean + stddev * r * std::cos(theta));
}

std::size_t Rng::below(std::size_t n) {
  if (n == 0) throw std::invalid_argument("Rng::below: n must be > 0");
  // Lemire's rejection: drop the few values that would bias the result towards small numbers.
  const std::uint64_t limit = (0 - static_cast<std::uint64_t>(n)) % n;
  for (;;) {
    const std::uint64_t x = next_u64();
    const unsigned __int128 m = static_cast<unsigned __int128>(x) * n;
    if (static_cast<std::uint64_t>(m) >= limit) return static_cast<std::size_t>(m >> 64);
  }
}

std::string Rng::state() const {
  std::ostringstream os;
  os << "xoshiro256** " << s_[0] << ' ' << s_[1] << ' ' << s_[2] << ' ' << s_[3] << ' ' << has_spare_
     << ' ';
  os.precision(17);
  os << spare_;
  return os.str();
}

void Rng::set_state(const std::string& state) {
  std::istringstream is(state);
  std::string tag;
  std::uint64_t s[4];
  bool spare_flag;
  double spare;
  if (!(is >> tag >> s[0] >> s[1] >> s[2] >> s[3] >> spare_flag >> spare) || tag != "xoshiro256**" ||
      (s[0] | s[1] | s[2] | s[3]) == 0)
    throw std::invalid_argument("Rng::set_state: not a generator state: '" + state.substr(0, 80) + "'");
  for (int i = 0; i < 4; ++i) s_[i] = s[i];
  has_spare_ = spare_flag;
  spare_ = spare;
}

Rng& global_rng() {
  static Rng rng(0);
  return rng;
}

void manual_seed(std::uint64_t seed) { global_rng().seed_with(seed); }

std::pair<std::size_t, std::size_t> fan_in_out(const Shape& s) {
  if (s.size() < 2)
    throw std::invalid_argument("fan_in_out: expected a weight with at least 2 dimensions, got " + shape_str(s));
  std::size_t receptive = 1;
  for (std::size_t i = 2; i < s.size(); ++i) receptive *= s[i];
  return {s[1] * receptive, s[0] * receptive};
}

namespace init {

void uniform(Tensor& t, float lo, float hi, Rng& rng) {
  for (auto& v : t) v = rng.uniform(lo, hi);
}

void normal(Tensor& t, float mean, float stddev, Rng& rng) {
  for (auto& v : t) v = rng.normal(mean, stddev);
}

void constant(Tensor& t, float value) { t.fill(value); }
void zeros(Tensor& t) { t.fill(0.f); }

void kaiming_uniform(Tensor& w, float a, Rng& rng) {
  const float gain = std::sqrt(2.f / (1.f + a * a));
  const float bound = gain * std::sqrt(3.f / static_cast<float>(fan_in_out(shape_of(w)).first));
  uniform(w, -bound, bound, rng);
}

void kaiming_normal(Tensor& w, float a, Rng& rng) {
  const float gain = std::sqrt(2.f / (1.f + a * a));
  normal(w, 0.f, gain / std::sqrt(static_cast<float>(fan_in_out(shape_of(w)).first)), rng);
}

void xavier_uniform(Tensor& w, float gain, Rng& rng) {
  const auto [fan_in, fan_out] = fan_in_out(shape_of(w));
  const float bound = gain * std::sqrt(6.f / static_cast<float>(fan_in + fan_out));
  uniform(w, -bound, bound, rng);
}

void xavier_normal(Tensor& w, float gain, Rng& rng) {
  const auto [fan_in, fan_out] = fan_in_out(shape_of(w));
  normal(w, 0.f, gain * std::sqrt(2.f / static_cast<float>(fan_in + fan_out)), rng);
}

void default_bias(Tensor& bias, const Shape& weight_shape, Rng& rng) {
  const float bound = 1.f / std::sqrt(static_cast<float>(fan_in_out(weight_shape).first));
  uniform(bias, -bound, bound, rng);
}

}  // namespace init
}  // namespace minicnn
