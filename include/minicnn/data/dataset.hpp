#pragma once
// Datasets of labelled images kept as bytes, their normalisation, augmentation, and the
// mini-batch loader. The readers for each format (IDX, image folders, CIFAR-10) are in
// data/datasets.hpp.
#include <cstdint>
#include <string>
#include <vector>

#include "minicnn/core/tensor.hpp"

namespace minicnn {

// Images stay as bytes (47 MB for MNIST's training set, 150 MB for 50,000 32x32 colour images,
// four times less than as floats); the DataLoader scales each batch to floats as it is needed.
struct Dataset {
  std::string name;                   // e.g. "data/mnist train"
  std::size_t channels = 1, rows = 0, cols = 0;
  std::vector<std::uint8_t> pixels;   // size() images of (channels, rows, cols), planar, row-major
  std::vector<int> labels;            // in [0, num_classes())
  std::vector<std::string> classes;   // class names: label k is classes[k]
  // When this is a subset (limit_stratified: --limit, --test-limit), image i's index in the full set
  // it was taken from (the whole test file, say), ascending; empty: no subset, image i is index i.
  // Whatever names an image by number to a user (JSON, file names, pages) names source_index(i).
  std::vector<std::size_t> source;
  std::size_t source_index(std::size_t i) const { return source.empty() ? i : source[i]; }
  // The image whose source_index is s, or size() when the subset does not hold it.
  std::size_t position_of(std::size_t s) const;
  std::size_t size() const { return labels.size(); }
  std::size_t num_classes() const { return classes.size(); }
  std::size_t sample_size() const { return channels * rows * cols; }
  Shape sample_shape() const { return {channels, rows, cols}; }
};

// "0", "1", ..., "9": the classes of MNIST.
std::vector<std::string> digit_classes();

// Keeps only the first n samples (n == 0 or n >= size(): keep all), and their source indices.
void truncate(Dataset& data, std::size_t n);

// How many images of each class data holds (num_classes() numbers).
std::vector<std::size_t> class_counts(const Dataset& data);

// Keeps a seeded, stratified subset of n samples (n == 0 or n >= size(): keep all): every class
// in proportion to its share of data (largest remainders), at least one image of every class that
// has one when n allows it (when n is below the number of classes, the largest classes get one
// each). Which images of a class are kept is drawn from seed alone, so the same (data, n, seed)
// gives the same subset; the kept images stay in their original order. Returns the kept images'
// per-class counts. data.source records the kept images' indices in the full set (composed with
// an earlier subset's).
std::vector<std::size_t> limit_stratified(Dataset& data, std::size_t n, std::uint64_t seed);
// The seed of the test images' subset (--test-limit): fixed, so every model, seed and command
// that tests on N images tests on the same N.
constexpr std::uint64_t kTestSubsetSeed = 0;

// Per-channel pixel statistics after scaling to [0, 1]: x = (pixel / 255 - mean[c]) / std[c].
// Empty vectors mean no normalisation (x = pixel / 255).
struct Normalization {
  std::vector<float> mean, std;
  bool empty() const { return mean.empty(); }
  std::string str() const;  // "(x - 0.1307) / 0.3081", or per channel "(x - [0.49, 0.48, 0.45]) / [...]"
};
Normalization compute_normalization(const Dataset& data);

// What the images of a dataset look like, in three numbers per image (pixels in [0, 1], all
// channels together): brightness (the pixel mean), contrast (their standard deviation) and the
// share of mid-tones (pixels between 0.1 and 0.9: few in pen strokes on paper, most in a photo).
// Each is kept as its mean and standard deviation over the images; a picture far outside them is
// unlike the training data.
struct ImageStats {
  double mean_mean = 0, mean_std = 0, std_mean = 0, std_std = 0, mid_mean = 0, mid_std = 0;
};
// The three numbers of one image's bytes.
void image_numbers(const std::uint8_t* pixels, std::size_t n, double& mean, double& sd, double& mid);
ImageStats image_statistics(const Dataset& data);

// Random changes to training images, drawn per image from (seed, epoch, image index) alone, so a
// run is the same for any thread count and batch boundary, and a resumed run sees the same images.
struct Augmentation {
  std::size_t crop = 0;   // pad with zeros by this much on every side, then crop back at a random place
  std::size_t shift = 0;  // move by up to this much in x and y, repeating the edge pixels
  bool flip = false;      // mirror left-right half the time (not for digits or text)
  bool any() const { return crop || shift || flip; }
  std::string str() const;  // "crop=4,flip", or "none"
  // Parses "none" or a comma-separated list of crop, crop=P, shift=P, flip; throws std::invalid_argument.
  static Augmentation parse(const std::string& text);
};

// Mini-batches over a dataset. The last batch may be smaller (like PyTorch's drop_last=False).
// With shuffle, epoch e visits the samples in a permutation drawn from Rng(seed, e): the order
// depends only on (seed, epoch), so a run resumed at any epoch sees the same batches.
class DataLoader {
 public:
  DataLoader(const Dataset& data, std::size_t batch_size, bool shuffle, std::uint64_t seed, Normalization norm = {},
             Augmentation augment = {});
  void set_epoch(std::size_t epoch);  // draws that epoch's order; also seeds its augmentation
  std::size_t num_batches() const;
  std::size_t batch_size() const { return batch_size_; }
  // Data-parallel training: process `rank` of `world` loads only its slice of every batch, the
  // contiguous images [n * rank / world, n * (rank + 1) / world) of a batch of n (PyTorch's
  // DistributedSampler gives each process whole batches instead; slicing keeps --batch-size the
  // batch the optimiser sees, so the run matches a single process's). Default: rank 0 of 1.
  void set_shard(std::size_t rank, std::size_t world);
  // How many images batch b holds in all (every process's slice together).
  std::size_t batch_length(std::size_t b) const;
  const Dataset& dataset() const { return data_; }
  // Fills x (B, C, rows, cols) and labels (B) with batch b of the current epoch (this process's
  // slice of it), reusing their memory when B is unchanged. Allocates nothing once x has its shape.
  void load_batch(std::size_t b, Tensor& x, std::vector<int>& labels) const;

 private:
  void load_sample(std::size_t index, float* out) const;
  const Dataset& data_;
  std::size_t batch_size_;
  bool shuffle_;
  std::uint64_t seed_;
  std::size_t epoch_ = 0;
  std::size_t rank_ = 0, world_ = 1;
  Augmentation augment_;
  std::vector<std::uint32_t> order_;
  std::vector<float> lut_;  // per channel: pixel byte -> normalised float (channels * 256)
};

}  // namespace minicnn
