#include <algorithm>

#include "helpers.hpp"
#include "minicnn/data/dataset.hpp"

using namespace minicnn;
using namespace minicnn::test;

namespace {
Dataset tiny(std::size_t n) {
  Dataset d;
  d.name = "tiny";
  d.rows = 2;
  d.cols = 3;
  d.classes = digit_classes();
  for (std::size_t i = 0; i < n; ++i) {
    d.labels.push_back(static_cast<int>(i % 10));
    for (std::size_t k = 0; k < 6; ++k) d.pixels.push_back(static_cast<std::uint8_t>(i));  // image i is all i
  }
  return d;
}
}  // namespace

TEST_CASE("DataLoader covers every sample once per epoch, last batch partial") {
  const Dataset d = tiny(10);
  DataLoader loader(d, 4, true, 7);
  CHECK(loader.num_batches() == 3);
  for (std::size_t epoch = 0; epoch < 2; ++epoch) {
    loader.set_epoch(epoch);
    std::vector<int> seen;
    Tensor x;
    std::vector<int> labels;
    for (std::size_t b = 0; b < 3; ++b) {
      loader.load_batch(b, x, labels);
      CHECK(x.shape() == Tensor::shape_type{b < 2 ? 4u : 2u, 1, 2, 3});
      for (std::size_t i = 0; i < labels.size(); ++i) {
        const int id = static_cast<int>(std::lround(x(i, 0, 1, 2) * 255.f));
        CHECK(labels[i] == id % 10);  // image and label stay together
        seen.push_back(id);
      }
    }
    std::sort(seen.begin(), seen.end());
    CHECK(seen == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  }
  Tensor x;
  std::vector<int> labels;
  CHECK_THROWS_AS(loader.load_batch(3, x, labels), std::out_of_range);
}

TEST_CASE("DataLoader order depends only on (seed, epoch)") {
  const Dataset d = tiny(50);
  auto order = [&](std::uint64_t seed, std::size_t epoch) {
    DataLoader l(d, 50, true, seed);
    l.set_epoch(epoch);
    Tensor x;
    std::vector<int> labels;
    l.load_batch(0, x, labels);
    return Tensor(x);
  };
  CHECK(bit_identical(order(1, 3), order(1, 3)));
  CHECK_FALSE(bit_identical(order(1, 3), order(1, 4)));
  CHECK_FALSE(bit_identical(order(1, 3), order(2, 3)));
  DataLoader plain(d, 50, false, 1);
  plain.set_epoch(5);
  Tensor x;
  std::vector<int> labels;
  plain.load_batch(0, x, labels);
  CHECK(labels[7] == 7);  // no shuffle: file order
}

TEST_CASE("DataLoader scales to [0, 1] and normalises") {
  Dataset d = tiny(1);
  d.pixels.assign(6, 255);
  d.pixels[0] = 0;
  const Normalization n = compute_normalization(d);
  REQUIRE(n.mean.size() == 1);
  CHECK(n.mean[0] == doctest::Approx(5.0 / 6));
  CHECK(n.std[0] == doctest::Approx(std::sqrt(5.0) / 6));
  DataLoader raw(d, 1, false, 0), normed(d, 1, false, 0, n);
  Tensor x;
  std::vector<int> labels;
  raw.load_batch(0, x, labels);
  CHECK(x(0, 0, 0, 0) == 0.f);
  CHECK(x(0, 0, 1, 2) == 1.f);
  normed.load_batch(0, x, labels);
  CHECK(xt::mean(x)() == doctest::Approx(0.0).scale(1));
  CHECK(xt::mean(x * x)() == doctest::Approx(1.0));
}

TEST_CASE("DataLoader and truncate errors") {
  Dataset d = tiny(5);
  CHECK_THROWS_WITH_AS(DataLoader(d, 0, true, 1), "DataLoader: batch_size must be > 0, got 0", std::invalid_argument);
  truncate(d, 3);
  CHECK(d.size() == 3);
  CHECK(d.pixels.size() == 18);
  truncate(d, 0);  // 0 keeps all
  CHECK(d.size() == 3);
  Dataset empty;
  empty.name = "nothing";
  CHECK_THROWS_WITH_AS(DataLoader(empty, 4, true, 1), "DataLoader: dataset nothing is empty", std::invalid_argument);
}

// A folder sorted by class: 60 of class 0, 30 of class 1, 10 of class 2 (image i is all i).
Dataset sorted_by_class() {
  Dataset d;
  d.name = "sorted";
  d.rows = 1, d.cols = 2;
  d.classes = {"a", "b", "c"};
  for (std::size_t i = 0; i < 100; ++i) {
    d.labels.push_back(i < 60 ? 0 : i < 90 ? 1 : 2);
    d.pixels.insert(d.pixels.end(), 2, static_cast<std::uint8_t>(i));
  }
  return d;
}

TEST_CASE("limit_stratified: every class in proportion, seeded, images kept whole and in order") {
  Dataset d = sorted_by_class();
  CHECK(limit_stratified(d, 20, 1) == std::vector<std::size_t>{12, 6, 2});
  CHECK(d.size() == 20);
  CHECK(class_counts(d) == std::vector<std::size_t>{12, 6, 2});
  for (std::size_t i = 0; i < d.size(); ++i) {
    const std::uint8_t v = d.pixels[2 * i];
    CHECK(d.pixels[2 * i + 1] == v);                              // whole images
    CHECK(d.labels[i] == (v < 60 ? 0 : v < 90 ? 1 : 2));          // with their labels
    if (i) CHECK(d.pixels[2 * (i - 1)] < v);                      // in their original order
  }
  Dataset again = sorted_by_class(), other = sorted_by_class();
  limit_stratified(again, 20, 1);
  limit_stratified(other, 20, 2);
  CHECK(again.pixels == d.pixels);  // the same seed: the same subset
  CHECK(other.pixels != d.pixels);  // another seed: another one, in the same proportions
  CHECK(class_counts(other) == std::vector<std::size_t>{12, 6, 2});

  Dataset few = sorted_by_class();  // 5 of 100: class c's share is 0.5, still one image
  CHECK(limit_stratified(few, 5, 1) == std::vector<std::size_t>{3, 1, 1});
  Dataset two = sorted_by_class();  // below the class count: the largest classes get one each
  CHECK(limit_stratified(two, 2, 1) == std::vector<std::size_t>{1, 1, 0});
  Dataset all = sorted_by_class();
  CHECK(limit_stratified(all, 0, 1) == std::vector<std::size_t>{60, 30, 10});
  CHECK(all.size() == 100);
}

TEST_CASE("limit_stratified keeps every image's index in the full set, also through a second subset") {
  Dataset full = sorted_by_class();
  CHECK(full.source.empty());  // no subset: image i is index i
  CHECK(full.source_index(42) == 42);
  CHECK(full.position_of(42) == 42);
  CHECK(full.position_of(100) == 100);
  Dataset d = sorted_by_class();
  limit_stratified(d, 20, 1);
  REQUIRE(d.source.size() == 20);
  for (std::size_t i = 0; i < d.size(); ++i) {
    CHECK(d.source_index(i) == d.pixels[2 * i]);  // image i is all i: its pixels name it
    CHECK(d.position_of(d.source_index(i)) == i);
  }
  std::size_t missing = 0;
  while (std::find(d.source.begin(), d.source.end(), missing) != d.source.end()) ++missing;
  CHECK(d.position_of(missing) == d.size());  // not in the subset
  limit_stratified(d, 10, 3);  // a subset of the subset still names the full set's images
  for (std::size_t i = 0; i < d.size(); ++i) CHECK(d.source_index(i) == d.pixels[2 * i]);
  truncate(d, 4);
  CHECK(d.source.size() == 4);
  for (std::size_t i = 0; i < d.size(); ++i) CHECK(d.source_index(i) == d.pixels[2 * i]);
}
