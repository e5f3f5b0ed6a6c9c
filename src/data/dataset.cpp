#include "minicnn/data/dataset.hpp"

#include <sys/stat.h>

#include <cmath>
#include <numeric>
#include <stdexcept>

#include "minicnn/data/idx.hpp"
#include "minicnn/core/init.hpp"

namespace minicnn {

namespace {

bool is_file(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// The first existing file among the names MNIST is distributed under, raw or gzipped:
// "train-images-idx3-ubyte" (LeCun's site) and "train-images.idx3-ubyte" (some mirrors).
std::string find_idx(const std::string& dir, const std::string& prefix, const std::string& what, const std::string& idx) {
  std::string tried;
  for (const std::string& base : {prefix + "-" + what + "-" + idx + "-ubyte", prefix + "-" + what + "." + idx + "-ubyte"})
    for (const char* ext : {"", ".gz"}) {
      if (is_file(dir + "/" + base + ext)) return dir + "/" + base + ext;
      tried += (tried.empty() ? "" : ", ") + base + ext;
    }
  throw std::runtime_error(dir + ": no " + prefix + " " + what + " file (looked for " + tried +
                           "); run scripts/get-mnist.sh to fetch MNIST");
}

}  // namespace

Dataset load_mnist(const std::string& dir, const std::string& split) {
  if (split != "train" && split != "test")
    throw std::invalid_argument("load_mnist: split must be \"train\" or \"test\", got \"" + split + "\"");
  const std::string prefix = split == "train" ? "train" : "t10k";
  const std::string img_path = find_idx(dir, prefix, "images", "idx3");
  const std::string lbl_path = find_idx(dir, prefix, "labels", "idx1");
  IdxImages img = read_idx_images(img_path);
  const std::vector<std::uint8_t> lbl = read_idx_labels(lbl_path);
  if (lbl.size() != img.count)
    throw std::runtime_error(lbl_path + ": holds " + std::to_string(lbl.size()) + " labels but " + img_path + " holds " +
                             std::to_string(img.count) + " images; expected the same count");
  Dataset d;
  d.name = dir + " " + split;
  d.rows = img.rows;
  d.cols = img.cols;
  d.pixels = std::move(img.pixels);
  d.labels.assign(lbl.begin(), lbl.end());
  for (std::size_t i = 0; i < d.labels.size(); ++i)
    if (d.labels[i] >= static_cast<int>(d.num_classes))
      throw std::runtime_error(lbl_path + ": label " + std::to_string(d.labels[i]) + " at index " + std::to_string(i) +
                               " is outside 0..9");
  return d;
}

void truncate(Dataset& d, std::size_t n) {
  if (n == 0 || n >= d.size()) return;
  d.labels.resize(n);
  d.pixels.resize(n * d.rows * d.cols);
  d.labels.shrink_to_fit();
  d.pixels.shrink_to_fit();
}

Normalization compute_normalization(const Dataset& d) {
  if (d.pixels.empty()) return {};
  double sum = 0, sq = 0;
  for (const std::uint8_t p : d.pixels) {
    const double v = p / 255.0;
    sum += v;
    sq += v * v;
  }
  const double n = static_cast<double>(d.pixels.size()), mean = sum / n;
  const double var = std::max(0.0, sq / n - mean * mean);
  return {static_cast<float>(mean), static_cast<float>(var > 0 ? std::sqrt(var) : 1.0)};
}

DataLoader::DataLoader(const Dataset& data, std::size_t batch_size, bool shuffle, std::uint64_t seed, Normalization norm)
    : data_(data), batch_size_(batch_size), shuffle_(shuffle), seed_(seed), norm_(norm) {
  if (batch_size == 0) throw std::invalid_argument("DataLoader: batch_size must be > 0, got 0");
  if (data.size() == 0) throw std::invalid_argument("DataLoader: dataset " + data.name + " is empty");
  if (!(norm.std > 0.f) || !std::isfinite(norm.mean))
    throw std::invalid_argument("DataLoader: normalisation needs a finite mean and std > 0");
  if (data.size() > UINT32_MAX) throw std::invalid_argument("DataLoader: dataset too large");
  for (int v = 0; v < 256; ++v) lut_[v] = (static_cast<float>(v) / 255.f - norm_.mean) / norm_.std;
  order_.resize(data.size());
  std::iota(order_.begin(), order_.end(), 0u);
}

void DataLoader::set_epoch(std::size_t epoch) {
  if (!shuffle_) return;
  std::iota(order_.begin(), order_.end(), 0u);
  // A generator per epoch, from (seed, epoch) alone: resuming at epoch e needs no saved state.
  Rng rng(seed_ * 0x9e3779b97f4a7c15ULL + epoch + 1);
  for (std::size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[rng.below(i)]);  // Fisher-Yates
}

std::size_t DataLoader::num_batches() const { return (data_.size() + batch_size_ - 1) / batch_size_; }

void DataLoader::load_batch(std::size_t b, Tensor& x, std::vector<int>& labels) const {
  if (b >= num_batches())
    throw std::out_of_range("DataLoader: batch " + std::to_string(b) + " of " + std::to_string(num_batches()));
  const std::size_t begin = b * batch_size_, B = std::min(batch_size_, data_.size() - begin);
  const std::size_t HW = data_.rows * data_.cols;
  ensure_shape(x, {B, 1, data_.rows, data_.cols});
  labels.resize(B);
  float* px = x.data();
  for (std::size_t i = 0; i < B; ++i) {
    const std::size_t s = order_[begin + i];
    const std::uint8_t* src = data_.pixels.data() + s * HW;
    for (std::size_t k = 0; k < HW; ++k) px[i * HW + k] = lut_[src[k]];
    labels[i] = data_.labels[s];
  }
}

}  // namespace minicnn
