// The dataset readers: image folders, CIFAR-10 batches, format detection, the stratified split,
// augmentation, and hostile inputs (one clear error each, memory bounded).
#include <fstream>

#include "files.hpp"
#include "helpers.hpp"
#include "minicnn/data/datasets.hpp"
#include "minicnn/data/shapes.hpp"
#include "minicnn/io/image_io.hpp"

using namespace minicnn;
using namespace minicnn::test;

namespace {

// An image of w x h with c channels whose pixels encode (value, x): easy to check after loading.
Image pattern(std::size_t w, std::size_t h, std::size_t c, std::uint8_t value) {
  Image img(w, h, c);
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x)
      for (std::size_t k = 0; k < c; ++k) img.at(x, y)[k] = static_cast<std::uint8_t>(value + k * 40);
  return img;
}

void mkdirs(const std::string& p) { std::filesystem::create_directories(p); }

void write_text(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

Bytes read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("An image folder: classes from sorted folder names, the most common size, grey or colour, resize count") {
  TempDir dir("folder");
  for (const char* c : {"dog/sub", "cat", "bird"}) mkdirs(dir / c);
  save_png(dir / "cat/a.png", pattern(8, 6, 1, 10));
  save_png(dir / "cat/b.png", pattern(8, 6, 1, 20));
  save_png(dir / "dog/sub/c.png", pattern(8, 6, 1, 30));   // subfolders are read too
  save_png(dir / "dog/d.png", pattern(16, 12, 1, 40));     // another size: resized to 8x6
  save_png(dir / "bird/e.png", pattern(8, 6, 1, 50));
  write_text(dir / "bird/notes.txt", "not an image");     // ignored by name, and counted
  ImageFolderOptions o;
  ImageFolderReport r;
  Dataset d = load_image_folder(dir.path.string(), o, &r);
  CHECK(d.classes == std::vector<std::string>{"bird", "cat", "dog"});
  CHECK(d.size() == 5);
  CHECK(d.labels == std::vector<int>{0, 1, 1, 2, 2});
  CHECK(d.channels == 1);
  CHECK(d.rows == 6);
  CHECK(d.cols == 8);
  CHECK(r.resized == 1);
  CHECK(r.ignored == 1);
  CHECK(d.pixels[0] == 50);  // bird/e.png first
  // One colour image makes the whole set colour; --channels 1 keeps it grey (BT.601 luma).
  save_png(dir / "bird/f.png", pattern(8, 6, 3, 100));
  ImageFolderOptions auto_channels;
  d = load_image_folder(dir.path.string(), auto_channels);
  CHECK(d.channels == 3);
  CHECK(auto_channels.channels == 3);
  const std::size_t plane = 6 * 8;
  CHECK(d.pixels[1 * 3 * plane + 0 * plane] == 100);  // bird/f.png, red plane
  CHECK(d.pixels[1 * 3 * plane + 2 * plane] == 180);  // blue plane
  CHECK(d.pixels[0 * 3 * plane + 1 * plane] == 50);   // a grey image repeats its grey in every channel
  ImageFolderOptions grey;
  grey.channels = 1;
  grey.height = 3;
  grey.width = 4;
  d = load_image_folder(dir.path.string(), grey);
  CHECK(d.sample_shape() == Shape{1, 3, 4});
  CHECK(d.pixels[1 * 12] == std::lround(0.299 * 100 + 0.587 * 140 + 0.114 * 180));
}

TEST_CASE("Image folders: split or held out, detected, and the test classes checked against training's") {
  TempDir dir("split");
  const Dataset shapes = make_shapes(40, 16, 3);
  save_image_folder(shapes, dir / "all");
  CHECK(detect_format(dir / "all") == DataFormat::folder);
  DataOptions o;
  o.dir = dir / "all";
  o.val_split = 0.25;
  o.seed = 5;
  DataSplits s = load_data(o);
  CHECK(s.split_here);
  CHECK(s.train.size() == 28);
  CHECK(s.test.size() == 12);
  for (int k = 0; k < 4; ++k)  // stratified: round(0.25 * 10) = 3 of each class's 10
    CHECK(std::count(s.test.labels.begin(), s.test.labels.end(), k) == 3);
  DataSplits again = load_data(o);
  CHECK(again.test.pixels == s.test.pixels);  // the same seed holds out the same images
  o.seed = 6;
  CHECK(load_data(o).test.pixels != s.test.pixels);

  save_image_folder(make_shapes(8, 16, 1), dir / "split/train");
  save_image_folder(make_shapes(8, 16, 2), dir / "split/test");
  DataOptions so;
  so.dir = dir / "split";
  s = load_data(so);
  CHECK_FALSE(s.split_here);
  CHECK(s.train.size() == 8);
  CHECK(s.test.size() == 8);
  std::filesystem::rename(dir.path / "split/test/square", dir.path / "split/test/box");
  CHECK_THROWS_WITH_AS(load_data(so), contains("split/test: its classes (box, circle, stripes, triangle) differ from the training set's (circle, square, stripes, triangle)"),
                       std::runtime_error);
}

TEST_CASE("Bad image folders and hostile images: one clear error each") {
  TempDir dir("badfolder");
  auto fails = [&](const std::string& sub, const std::string& msg, bool skip = false) {
    CAPTURE(sub);
    ImageFolderOptions o;
    o.skip_bad = skip;
    CHECK_THROWS_WITH_AS(load_image_folder(dir / sub, o), contains(msg), std::runtime_error);
  };
  mkdirs(dir / "one/cat");
  save_png(dir / "one/cat/a.png", pattern(4, 4, 1, 1));
  fails("one", "one: needs at least 2 classes, found 1 (cat)");
  mkdirs(dir / "one/dog");
  fails("one", "one/dog: holds no images (PNG, JPEG, BMP, ...)");
  fails("nowhere", "nowhere: is not a folder");

  // Hostile files inside an otherwise good folder.
  mkdirs(dir / "h/a");
  mkdirs(dir / "h/b");
  save_png(dir / "h/a/ok.png", pattern(6, 6, 3, 9));
  save_png(dir / "h/b/ok.png", pattern(6, 6, 3, 19));
  save_jpeg(dir / "h/b/photo.jpg", pattern(64, 48, 3, 77));
  Bytes jpg = read_all(dir / "h/b/photo.jpg");
  write_bytes(dir / "h/b/photo.jpg", Bytes(jpg.begin(), jpg.begin() + static_cast<long>(jpg.size() * 2 / 3)));
  fails("h", "photo.jpg: truncated JPEG (the data ends before its end-of-image marker) (pass --skip-bad-images");
  ImageFolderOptions skip;
  skip.skip_bad = true;
  ImageFolderReport r;
  const Dataset kept = load_image_folder(dir / "h", skip, &r);
  CHECK(kept.size() == 2);
  CHECK(r.skipped == 1);
  REQUIRE(r.skipped_files.size() == 1);
  CHECK(r.skipped_files[0].find("photo.jpg") != std::string::npos);
  std::filesystem::remove(dir.path / "h/b/photo.jpg");
  write_bytes(dir / "h/b/empty.png", {});
  fails("h", "empty.png: is empty (0 bytes); expected an image");
  std::filesystem::remove(dir.path / "h/b/empty.png");
  write_text(dir / "h/b/text.png", "this is text, not a PNG");
  fails("h", "text.png: not a readable image");
  std::filesystem::remove(dir.path / "h/b/text.png");
  // A PNG header claiming 20000 x 20000 pixels (1.6 GB of RGBA): refused from the header.
  Bytes huge{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
  put_u32(huge, 20000);
  put_u32(huge, 20000);
  for (const std::uint8_t b : {8, 6, 0, 0, 0, 0, 0, 0, 0}) huge.push_back(b);
  write_bytes(dir / "h/b/huge.png", huge);
  fails("h", "huge.png: image is 20000x20000, over the limit of 16384 pixels per side");
  std::filesystem::remove(dir.path / "h/b/huge.png");
  // A folder that would not fit in the memory limit is refused before decoding.
  ImageFolderOptions small;
  small.max_bytes = 100;
  CHECK_THROWS_WITH_AS(load_image_folder(dir / "h", small), contains("need 0 MiB, over the limit of 0 MiB (--max-dataset-memory)"),
                       std::runtime_error);
}

TEST_CASE("CIFAR-10 binary batches: read, class names, and a batch of the wrong length refused") {
  TempDir dir("cifar");
  Bytes batch, test;
  for (int i = 0; i < 5; ++i) {
    batch.push_back(static_cast<std::uint8_t>(i % 10));
    for (int k = 0; k < 3072; ++k) batch.push_back(static_cast<std::uint8_t>(k < 1024 ? 200 : k < 2048 ? 100 : i));
  }
  test.assign(batch.begin(), batch.begin() + 2 * kCifarRecordBytes);
  write_bytes(dir / "data_batch_1.bin", batch);
  write_bytes(dir / "test_batch.bin", test);
  CHECK(detect_format(dir.path.string()) == DataFormat::cifar10);
  const Dataset d = load_cifar10(dir.path.string(), "train");
  CHECK(d.size() == 5);
  CHECK(d.sample_shape() == Shape{3, 32, 32});
  CHECK(d.classes.at(3) == "cat");
  CHECK(d.labels[4] == 4);
  CHECK(d.pixels[0] == 200);             // red plane first
  CHECK(d.pixels[1024] == 100);          // then green
  CHECK(d.pixels[4 * 3072 + 2048] == 4);  // image 4's blue plane
  CHECK(load_cifar10(dir.path.string(), "test").size() == 2);
  write_text(dir / "batches.meta.txt", "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n");
  CHECK(load_cifar10(dir.path.string(), "test").classes.at(1) == "b");
  write_bytes(dir / "data_batch_2.bin", Bytes(batch.begin(), batch.end() - 10));
  CHECK_THROWS_WITH_AS(load_cifar10(dir.path.string(), "train"),
                       contains("data_batch_2.bin: holds 15355 bytes, not a whole number of 3073-byte CIFAR-10 records"),
                       std::runtime_error);
  Bytes bad_label = batch;
  bad_label[kCifarRecordBytes] = 12;
  write_bytes(dir / "data_batch_2.bin", bad_label);
  CHECK_THROWS_WITH_AS(load_cifar10(dir.path.string(), "train"), contains("record 1 has label 12; expected 0..9"), std::runtime_error);
}

TEST_CASE("Augmentation: flip mirrors, crop moves with zero fill, shift repeats the edge, all drawn from (seed, epoch, index)") {
  Dataset d;
  d.rows = 4, d.cols = 5, d.channels = 1, d.classes = {"a"};
  for (int k = 0; k < 20; ++k) d.pixels.push_back(static_cast<std::uint8_t>(10 + k));
  d.labels = {0};
  auto load = [&](const Augmentation& a, std::uint64_t seed, std::size_t epoch) {
    DataLoader l(d, 1, false, seed, {}, a);
    l.set_epoch(epoch);
    Tensor x;
    std::vector<int> labels;
    l.load_batch(0, x, labels);
    Tensor bytes = xt::round(x * 255.f);
    return bytes;
  };
  Augmentation flip;
  flip.flip = true;
  bool mirrored = false, kept = false;
  for (std::size_t e = 0; e < 16; ++e) {
    const Tensor x = load(flip, 1, e);
    mirrored = mirrored || x(0, 0, 1, 0) == 10 + 1 * 5 + 4;
    kept = kept || x(0, 0, 1, 0) == 10 + 1 * 5;
  }
  CHECK(mirrored);  // both happen over 16 epochs
  CHECK(kept);
  Augmentation crop;
  crop.crop = 1;
  bool zero_seen = false;
  for (std::size_t e = 0; e < 16; ++e) {
    const Tensor x = load(crop, 1, e);
    for (const float v : x) zero_seen = zero_seen || v == 0.f;
    for (const float v : x) CHECK((v == 0.f || (v >= 10.f && v < 30.f)));
  }
  CHECK(zero_seen);
  Augmentation shift;
  shift.shift = 2;
  for (std::size_t e = 0; e < 16; ++e)
    for (const float v : load(shift, 1, e)) CHECK((v >= 10.f && v < 30.f));  // edges repeat: never zero
  CHECK(bit_identical(load(crop, 3, 2), load(crop, 3, 2)));
  CHECK(Augmentation::parse("crop,flip").str() == "crop=4,flip");
  CHECK(Augmentation::parse("shift=3").shift == 3);
  CHECK_THROWS_WITH_AS(Augmentation::parse("crop=0"), "augmentation 'crop=0': the amount must be a whole number from 1 to 999",
                       std::invalid_argument);
}

TEST_CASE("Augmented batches are the same for any batch size and thread count") {
  const Dataset d = make_shapes(24, 16, 9);
  Augmentation a = Augmentation::parse("crop,flip");
  auto all = [&](std::size_t batch) {
    DataLoader l(d, batch, true, 4, compute_normalization(d), a);
    l.set_epoch(3);
    std::vector<float> v;
    Tensor x;
    std::vector<int> labels;
    for (std::size_t b = 0; b < l.num_batches(); ++b) {
      l.load_batch(b, x, labels);
      v.insert(v.end(), x.begin(), x.end());
    }
    return v;
  };
  CHECK(all(24) == all(5));
}

TEST_CASE("make_shapes is the same for the same seed, and a test set continues the sequence") {
  CHECK(make_shapes(8, 16, 1).pixels == make_shapes(8, 16, 1).pixels);
  CHECK(make_shapes(8, 16, 1).pixels != make_shapes(8, 16, 2).pixels);
  const Dataset a = make_shapes(8, 16, 1), tail = make_shapes(4, 16, 1, 4);
  CHECK(std::equal(tail.pixels.begin(), tail.pixels.end(), a.pixels.begin() + 4 * 3 * 256));
  CHECK(a.labels == std::vector<int>{0, 1, 2, 3, 0, 1, 2, 3});
}

TEST_CASE("dataset_image interleaves a planar image's channels") {
  Dataset d;
  d.channels = 3, d.rows = 1, d.cols = 2;
  d.pixels = {1, 2, 3, 4, 5, 6};  // R plane, G plane, B plane
  d.labels = {0};
  const Image img = dataset_image(d, 0);
  CHECK(img.channels == 3);
  CHECK(img.pixels == std::vector<std::uint8_t>{1, 3, 5, 2, 4, 6});
  CHECK_THROWS_AS(dataset_image(d, 1), std::out_of_range);
}

TEST_CASE("save_image_folder names a subset's images by their index in the full set") {
  TempDir dir("subset_names");
  Dataset d;
  d.rows = d.cols = 2;
  d.classes = {"a", "b"};
  for (std::size_t i = 0; i < 120; ++i) {
    d.labels.push_back(static_cast<int>(i % 2));
    d.pixels.insert(d.pixels.end(), 4, static_cast<std::uint8_t>(i));  // image i is all i
  }
  limit_stratified(d, 6, kTestSubsetSeed);
  save_image_folder(d, dir / "out");
  for (std::size_t i = 0; i < d.size(); ++i) {
    const std::size_t n = d.source_index(i);
    CHECK(n == d.pixels[4 * i]);
    const std::string name = d.classes[static_cast<std::size_t>(d.labels[i])] + "/" + (n < 10 ? "00" : n < 100 ? "0" : "") +
                             std::to_string(n) + ".png";
    CAPTURE(name);
    REQUIRE(std::filesystem::exists(dir.path / "out" / name));
    CHECK(load_image((dir.path / "out" / name).string()).pixels[0] == n);  // the file holds image n
  }
}
