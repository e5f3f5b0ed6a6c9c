#pragma once
// MNIST-style datasets (MNIST, Fashion-MNIST) and the mini-batch loader.
#include <cstdint>
#include <string>
#include <vector>

#include "minicnn/core/tensor.hpp"

namespace minicnn {

// Images stay as bytes (47 MB for MNIST's training set, against 188 MB as floats); the
// DataLoader scales each batch to floats as it is needed.
struct Dataset {
  std::string name;                  // e.g. "data/mnist train"
  std::size_t rows = 0, cols = 0;
  std::vector<std::uint8_t> pixels;  // size() * rows * cols, row-major
  std::vector<int> labels;           // in [0, num_classes)
  std::size_t num_classes = 10;
  std::size_t size() const { return labels.size(); }
};

// Loads split "train" or "test" from dir. Accepts both naming conventions
// (train-images-idx3-ubyte and train-images.idx3-ubyte; t10k-* for test), raw or .gz. Checks that
// images and labels agree in count and that labels are 0..9; errors name the file.
Dataset load_mnist(const std::string& dir, const std::string& split);
// Keeps only the first n samples (n == 0 or n >= size(): keep all).
void truncate(Dataset& data, std::size_t n);

// Pixel mean and standard deviation of the dataset after scaling to [0, 1].
struct Normalization {
  float mean = 0.f, std = 1.f;  // x = (pixel / 255 - mean) / std; the defaults leave [0, 1]
};
Normalization compute_normalization(const Dataset& data);

// Mini-batches over a dataset. The last batch may be smaller (like PyTorch's drop_last=False).
// With shuffle, epoch e visits the samples in a permutation drawn from Rng(seed, e): the order
// depends only on (seed, epoch), so a run resumed at any epoch sees the same batches.
class DataLoader {
 public:
  DataLoader(const Dataset& data, std::size_t batch_size, bool shuffle, std::uint64_t seed, Normalization norm = {});
  void set_epoch(std::size_t epoch);  // draws that epoch's order (no-op without shuffle)
  std::size_t num_batches() const;
  std::size_t batch_size() const { return batch_size_; }
  const Dataset& dataset() const { return data_; }
  // Fills x (B, 1, rows, cols) and labels (B) with batch b of the current epoch, reusing their
  // memory when B is unchanged.
  void load_batch(std::size_t b, Tensor& x, std::vector<int>& labels) const;

 private:
  const Dataset& data_;
  std::size_t batch_size_;
  bool shuffle_;
  std::uint64_t seed_;
  Normalization norm_;
  std::vector<std::uint32_t> order_;
  float lut_[256];  // pixel byte -> normalised float
};

}  // namespace minicnn
