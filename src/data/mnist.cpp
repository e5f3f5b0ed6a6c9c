// MNIST-format datasets: the four IDX files of MNIST and Fashion-MNIST.
#include <sys/stat.h>

#include <stdexcept>

#include "minicnn/data/datasets.hpp"
#include "minicnn/data/idx.hpp"

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
  throw std::runtime_error(dir + ": no " + prefix + " " + what + " file (looked for " + tried + ")");
}

}  // namespace

std::vector<std::string> fashion_mnist_classes() {
  return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
}

Dataset load_mnist(const std::string& dir, const std::string& split, std::vector<std::string> classes) {
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
  d.classes = std::move(classes);
  for (std::size_t i = 0; i < d.labels.size(); ++i)
    if (d.labels[i] >= static_cast<int>(d.num_classes()))
      throw std::runtime_error(lbl_path + ": label " + std::to_string(d.labels[i]) + " at index " + std::to_string(i) +
                               " is outside 0.." + std::to_string(d.num_classes() - 1));
  return d;
}

}  // namespace minicnn
