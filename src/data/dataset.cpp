#include "minicnn/data/dataset.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <stdexcept>

#include "minicnn/core/init.hpp"

namespace minicnn {

std::vector<std::string> digit_classes() { return {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}; }

void truncate(Dataset& d, std::size_t n) {
  if (n == 0 || n >= d.size()) return;
  d.labels.resize(n);
  d.pixels.resize(n * d.sample_size());
  if (!d.source.empty()) d.source.resize(n), d.source.shrink_to_fit();
  d.labels.shrink_to_fit();
  d.pixels.shrink_to_fit();
}

std::size_t Dataset::position_of(std::size_t s) const {
  if (source.empty()) return s < size() ? s : size();
  const auto it = std::lower_bound(source.begin(), source.end(), s);
  return it != source.end() && *it == s ? static_cast<std::size_t>(it - source.begin()) : size();
}

std::vector<std::size_t> class_counts(const Dataset& d) {
  std::vector<std::size_t> counts(d.num_classes(), 0);
  for (const int l : d.labels)
    if (l >= 0 && static_cast<std::size_t>(l) < counts.size()) ++counts[static_cast<std::size_t>(l)];
  return counts;
}

std::vector<std::size_t> limit_stratified(Dataset& d, std::size_t n, std::uint64_t seed) {
  const std::vector<std::size_t> have = class_counts(d);
  if (n == 0 || n >= d.size()) return have;
  const std::size_t K = have.size();
  // Class k's share of n is q_k = n * have_k / size; keep floor(q_k), at least 1 (capped at have_k),
  // then hand out the rest by the largest remainders q_k - keep_k (ties: the lower class index),
  // or take back from the classes furthest above their share while more than n are kept.
  std::vector<double> quota(K);
  std::vector<std::size_t> keep(K, 0);
  std::size_t total = 0;
  for (std::size_t k = 0; k < K; ++k) {
    quota[k] = static_cast<double>(n) * static_cast<double>(have[k]) / static_cast<double>(d.size());
    keep[k] = std::min(have[k], std::max<std::size_t>(have[k] ? 1 : 0, static_cast<std::size_t>(quota[k])));
    total += keep[k];
  }
  while (total > n) {  // only when n is below the number of classes (or close to it)
    std::size_t worst = K;
    for (std::size_t k = 0; k < K; ++k)
      if (keep[k] > 0 && (worst == K || static_cast<double>(keep[k]) - quota[k] > static_cast<double>(keep[worst]) - quota[worst]))
        worst = k;
    --keep[worst], --total;
  }
  while (total < n) {
    std::size_t best = K;
    for (std::size_t k = 0; k < K; ++k)
      if (keep[k] < have[k] && (best == K || quota[k] - static_cast<double>(keep[k]) > quota[best] - static_cast<double>(keep[best])))
        best = k;
    ++keep[best], ++total;
  }
  std::vector<std::vector<std::size_t>> members(K);
  for (std::size_t i = 0; i < d.size(); ++i) members[static_cast<std::size_t>(d.labels[i])].push_back(i);
  std::vector<bool> kept(d.size(), false);
  Rng rng(seed * 0x9e3779b97f4a7c15ULL + 0x5b5e7);
  for (std::size_t k = 0; k < K; ++k) {
    std::vector<std::size_t>& pick = members[k];
    for (std::size_t i = pick.size(); i > 1; --i) std::swap(pick[i - 1], pick[rng.below(i)]);
    for (std::size_t j = 0; j < keep[k]; ++j) kept[pick[j]] = true;
  }
  const std::size_t S = d.sample_size();
  std::vector<std::size_t> source;
  source.reserve(n);
  std::size_t to = 0;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (!kept[i]) continue;
    source.push_back(d.source_index(i));
    d.labels[to] = d.labels[i];
    std::copy(d.pixels.begin() + static_cast<long>(i * S), d.pixels.begin() + static_cast<long>((i + 1) * S),
              d.pixels.begin() + static_cast<long>(to * S));
    ++to;
  }
  d.source.clear();
  truncate(d, to);
  d.source = std::move(source);
  return keep;
}

std::string Normalization::str() const {
  if (empty()) return "none (x = pixel / 255)";
  auto list = [](const std::vector<float>& v) {
    if (v.size() == 1) {
      char b[32];
      std::snprintf(b, sizeof b, "%.4f", static_cast<double>(v[0]));
      return std::string(b);
    }
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) {
      char b[32];
      std::snprintf(b, sizeof b, "%s%.4f", i ? ", " : "", static_cast<double>(v[i]));
      s += b;
    }
    return s + "]";
  };
  return "(x - " + list(mean) + ") / " + list(std);
}

Normalization compute_normalization(const Dataset& d) {
  if (d.pixels.empty() || d.sample_size() == 0) return {};
  const std::size_t C = d.channels, plane = d.rows * d.cols;
  std::vector<double> sum(C, 0), sq(C, 0);
  for (std::size_t i = 0; i < d.size(); ++i)
    for (std::size_t c = 0; c < C; ++c) {
      const std::uint8_t* p = d.pixels.data() + (i * C + c) * plane;
      for (std::size_t k = 0; k < plane; ++k) {
        const double v = p[k] / 255.0;
        sum[c] += v;
        sq[c] += v * v;
      }
    }
  Normalization n;
  const double count = static_cast<double>(d.size() * plane);
  for (std::size_t c = 0; c < C; ++c) {
    const double mean = sum[c] / count, var = std::max(0.0, sq[c] / count - mean * mean);
    n.mean.push_back(static_cast<float>(mean));
    n.std.push_back(static_cast<float>(var > 0 ? std::sqrt(var) : 1.0));
  }
  return n;
}

void image_numbers(const std::uint8_t* p, std::size_t k, double& mean, double& sd, double& mid) {
  double sum = 0, sq = 0;
  std::size_t mids = 0;
  for (std::size_t j = 0; j < k; ++j) {
    const double v = p[j] / 255.0;
    sum += v, sq += v * v;
    mids += p[j] > 25 && p[j] < 230;
  }
  const double n = static_cast<double>(std::max<std::size_t>(k, 1));
  mean = sum / n;
  sd = std::sqrt(std::max(0.0, sq / n - mean * mean));
  mid = static_cast<double>(mids) / n;
}

ImageStats image_statistics(const Dataset& d) {
  ImageStats s;
  const std::size_t n = d.size(), k = d.sample_size();
  if (n == 0 || k == 0) return s;
  double acc[6] = {0, 0, 0, 0, 0, 0};  // sums and sums of squares of mean, sd, mid
  for (std::size_t i = 0; i < n; ++i) {
    double v[3];
    image_numbers(d.pixels.data() + i * k, k, v[0], v[1], v[2]);
    for (int j = 0; j < 3; ++j) acc[2 * j] += v[j], acc[2 * j + 1] += v[j] * v[j];
  }
  const double N = static_cast<double>(n);
  auto mean_sd = [&](int j, double& m, double& sd) {
    m = acc[2 * j] / N;
    sd = std::sqrt(std::max(0.0, acc[2 * j + 1] / N - m * m));
  };
  mean_sd(0, s.mean_mean, s.mean_std);
  mean_sd(1, s.std_mean, s.std_std);
  mean_sd(2, s.mid_mean, s.mid_std);
  return s;
}

std::string Augmentation::str() const {
  std::string s;
  auto add = [&](const std::string& part) { s += (s.empty() ? "" : ",") + part; };
  if (crop) add("crop=" + std::to_string(crop));
  if (shift) add("shift=" + std::to_string(shift));
  if (flip) add("flip");
  return s.empty() ? "none" : s;
}

Augmentation Augmentation::parse(const std::string& text) {
  Augmentation a;
  if (text.empty() || text == "none") return a;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != ',') continue;
    const std::string part = text.substr(start, i - start);
    start = i + 1;
    const auto eq = part.find('=');
    const std::string key = part.substr(0, eq);
    std::size_t amount = 0;
    if (eq != std::string::npos) {
      const std::string v = part.substr(eq + 1);
      if (v.empty() || v.size() > 3 || v.find_first_not_of("0123456789") != std::string::npos || std::stoul(v) == 0)
        throw std::invalid_argument("augmentation '" + part + "': the amount must be a whole number from 1 to 999");
      amount = std::stoul(v);
    }
    if (key == "crop") a.crop = eq == std::string::npos ? 4 : amount;
    else if (key == "shift") a.shift = eq == std::string::npos ? 2 : amount;
    else if (key == "flip" && eq == std::string::npos) a.flip = true;
    else
      throw std::invalid_argument("unknown augmentation '" + part + "' (expected none, or a list of crop, crop=P, shift=P, flip)");
  }
  return a;
}

DataLoader::DataLoader(const Dataset& data, std::size_t batch_size, bool shuffle, std::uint64_t seed, Normalization norm,
                       Augmentation augment)
    : data_(data), batch_size_(batch_size), shuffle_(shuffle), seed_(seed), augment_(augment) {
  if (batch_size == 0) throw std::invalid_argument("DataLoader: batch_size must be > 0, got 0");
  if (data.size() == 0) throw std::invalid_argument("DataLoader: dataset " + data.name + " is empty");
  if (data.size() > UINT32_MAX) throw std::invalid_argument("DataLoader: dataset too large");
  const std::size_t C = data.channels;
  if (!norm.empty() && (norm.mean.size() != C || norm.std.size() != C))
    throw std::invalid_argument("DataLoader: the normalisation has " + std::to_string(norm.mean.size()) +
                                " channels but " + data.name + " has " + std::to_string(C));
  lut_.resize(C * 256);
  for (std::size_t c = 0; c < C; ++c) {
    const float mean = norm.empty() ? 0.f : norm.mean[c], sd = norm.empty() ? 1.f : norm.std[c];
    if (!(sd > 0.f) || !std::isfinite(mean) || !std::isfinite(sd))
      throw std::invalid_argument("DataLoader: normalisation needs a finite mean and std > 0");
    for (int v = 0; v < 256; ++v) lut_[c * 256 + static_cast<std::size_t>(v)] = (static_cast<float>(v) / 255.f - mean) / sd;
  }
  order_.resize(data.size());
  std::iota(order_.begin(), order_.end(), 0u);
}

void DataLoader::set_epoch(std::size_t epoch) {
  epoch_ = epoch;
  if (!shuffle_) return;
  std::iota(order_.begin(), order_.end(), 0u);
  // A generator per epoch, from (seed, epoch) alone: resuming at epoch e needs no saved state.
  Rng rng(seed_ * 0x9e3779b97f4a7c15ULL + epoch + 1);
  for (std::size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[rng.below(i)]);  // Fisher-Yates
}

std::size_t DataLoader::num_batches() const { return (data_.size() + batch_size_ - 1) / batch_size_; }

void DataLoader::set_shard(std::size_t rank, std::size_t world) {
  if (world == 0 || rank >= world)
    throw std::invalid_argument("DataLoader: shard " + std::to_string(rank) + " of " + std::to_string(world) +
                                " does not exist; expected rank < world");
  rank_ = rank;
  world_ = world;
}

std::size_t DataLoader::batch_length(std::size_t b) const {
  return b < num_batches() ? std::min(batch_size_, data_.size() - b * batch_size_) : 0;
}

// One image into out (C, rows, cols): bytes through the lookup table, moved and mirrored as the
// augmentation draws for (seed, epoch, index). Source pixel (i - dy, j - dx) lands at (i, j); with
// crop, pixels from outside the image are zero bytes, with shift they repeat the nearest edge.
void DataLoader::load_sample(std::size_t index, float* out) const {
  const std::size_t C = data_.channels, H = data_.rows, W = data_.cols, plane = H * W;
  const std::uint8_t* src = data_.pixels.data() + index * C * plane;
  if (!augment_.any()) {
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t k = 0; k < plane; ++k) out[c * plane + k] = lut_[c * 256 + src[c * plane + k]];
    return;
  }
  Rng rng((seed_ * 0x9e3779b97f4a7c15ULL) ^ ((epoch_ + 1) * 0xbf58476d1ce4e5b9ULL) ^ ((index + 1) * 0x94d049bb133111ebULL));
  const long reach = static_cast<long>(augment_.crop + augment_.shift);
  const long dy = reach ? static_cast<long>(rng.below(2 * reach + 1)) - reach : 0;
  const long dx = reach ? static_cast<long>(rng.below(2 * reach + 1)) - reach : 0;
  const bool flip = augment_.flip && rng.below(2) == 1;
  const bool zero_fill = augment_.crop > 0;
  const long h = static_cast<long>(H), w = static_cast<long>(W);
  for (std::size_t c = 0; c < C; ++c) {
    const float* lut = lut_.data() + c * 256;
    const std::uint8_t* plane_src = src + c * plane;
    float* plane_out = out + c * plane;
    for (long i = 0; i < h; ++i) {
      long si = i - dy;
      const bool row_out = si < 0 || si >= h;
      si = std::clamp(si, 0L, h - 1);
      for (long j = 0; j < w; ++j) {
        long sj = (flip ? w - 1 - j : j) - dx;
        const bool outside = row_out || sj < 0 || sj >= w;
        sj = std::clamp(sj, 0L, w - 1);
        plane_out[i * w + j] = outside && zero_fill ? lut[0] : lut[plane_src[si * w + sj]];
      }
    }
  }
}

void DataLoader::load_batch(std::size_t b, Tensor& x, std::vector<int>& labels) const {
  if (b >= num_batches())
    throw std::out_of_range("DataLoader: batch " + std::to_string(b) + " of " + std::to_string(num_batches()));
  const std::size_t n = batch_length(b);
  const std::size_t begin = b * batch_size_ + n * rank_ / world_, B = n * (rank_ + 1) / world_ - n * rank_ / world_;
  ensure_shape(x, {B, data_.channels, data_.rows, data_.cols});
  labels.resize(B);
  for (std::size_t i = 0; i < B; ++i) {
    const std::size_t s = order_[begin + i];
    load_sample(s, x.data() + i * data_.sample_size());
    labels[i] = data_.labels[s];
  }
}

}  // namespace minicnn
