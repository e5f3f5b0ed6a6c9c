#pragma once
// Reading datasets: MNIST-format IDX files, folders of images (one subfolder per class), and
// CIFAR-10's binary batches; finding which one a folder holds; splitting a folder that has no
// test set. Every error is a std::runtime_error that names the file or folder and what was
// expected, and memory is bounded before anything large is read.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "minicnn/data/dataset.hpp"
#include "minicnn/io/image_io.hpp"

namespace minicnn {

// ---- IDX: MNIST, Fashion-MNIST ----

// Loads split "train" or "test" from dir. Accepts both naming conventions
// (train-images-idx3-ubyte and train-images.idx3-ubyte; t10k-* for test), raw or .gz. Checks that
// images and labels agree in count and that labels index `classes`; errors name the file.
Dataset load_mnist(const std::string& dir, const std::string& split, std::vector<std::string> classes = digit_classes());
std::vector<std::string> fashion_mnist_classes();  // "T-shirt/top", "Trouser", ...

// ---- CIFAR-10 binary format: records of 1 label byte + 3072 bytes (R, G, B planes of 32x32) ----

constexpr std::size_t kCifarRecordBytes = 3073;
// train: every data_batch_N.bin in dir (N = 1..5, at least one); test: test_batch.bin. Class names
// from batches.meta.txt when present, else CIFAR-10's ten.
Dataset load_cifar10(const std::string& dir, const std::string& split);
// The records of one batch file's bytes; name is used in messages.
void parse_cifar10(const std::uint8_t* data, std::size_t size, const std::string& name, Dataset& into);
std::vector<std::string> cifar10_classes();

// ---- folders of images: DIR/<class>/*.png|jpg|jpeg|bmp (subfolders included) ----

struct ImageFolderOptions {
  std::size_t channels = 0;           // 1 or 3; 0: 3 if any training image is stored in colour, else 1
  std::size_t height = 0, width = 0;  // 0: the most common size among the training images
  bool skip_bad = false;              // skip (and report) unreadable images instead of stopping
  std::uint64_t max_bytes = 4ull << 30;  // refuse a folder whose images would need more, before decoding
  std::function<void(std::size_t done, std::size_t total)> progress;  // called as images are decoded
};

// What reading a folder did, for the run to report.
struct ImageFolderReport {
  std::size_t images = 0, resized = 0;     // decoded; of which resized to the common size
  std::size_t skipped = 0;                 // unreadable, with skip_bad
  std::vector<std::string> skipped_files;  // the first 10 of them, with the reason
  std::size_t ignored = 0;                 // files that are not images by their name (e.g. notes.txt)
  std::vector<std::string> ignored_files;  // the first 10 of them
  std::size_t channels = 0, height = 0, width = 0;  // what was chosen
};

// The class folders of dir, sorted (the label order); throws if fewer than two.
std::vector<std::string> image_folder_classes(const std::string& dir);
// Reads a folder of class folders. classes, if not empty, must be the folder's classes (a test set
// read after its training set); options with zeros are filled in from this folder and returned.
Dataset load_image_folder(const std::string& dir, ImageFolderOptions& options, ImageFolderReport* report = nullptr,
                          const std::vector<std::string>& classes = {});

// ---- any of them ----

enum class DataFormat { idx, folder, cifar10 };
const char* format_name(DataFormat f);  // "idx", "folder", "cifar10"
// What dir holds: IDX files, CIFAR-10 batches, or class folders (split into train/ and test/, or
// not); throws std::runtime_error saying what it looked for.
DataFormat detect_format(const std::string& dir);

struct DataOptions {
  std::string dir;
  std::string format = "auto";          // auto, idx, folder, cifar10
  std::vector<std::string> idx_classes = digit_classes();
  double val_split = 0.1;               // an unsplit folder: the fraction held out as the test set
  std::uint64_t seed = 1;               // for that split
  ImageFolderOptions folder;
};

struct DataSplits {
  Dataset train, test;
  DataFormat format = DataFormat::idx;
  bool split_here = false;  // the test set was held out of an unsplit folder (val_split, seed)
  ImageFolderReport report;
};
DataSplits load_data(DataOptions& options);

// A seeded, stratified split: from every class, round(fraction * its count) images (at least one
// when the class has two or more) go to the second set; the rest stay, in their original order.
void split_stratified(const Dataset& all, double fraction, std::uint64_t seed, Dataset& keep, Dataset& held_out);

// ---- a dataset's images as pictures ----

// Image i of data as 8-bit pixels (grey or RGB, channels interleaved as image files hold them).
Image dataset_image(const Dataset& data, std::size_t i);

}  // namespace minicnn
