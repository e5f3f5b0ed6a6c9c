#include "files.hpp"
#include "helpers.hpp"
#include "minicnn/data/dataset.hpp"
#include "minicnn/data/idx.hpp"

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("IDX images and labels read back, raw and gzipped") {
  TempDir dir("idx");
  const Bytes img = idx_images(3, 4, 5), lbl = idx_labels({7, 0, 9});
  write_bytes(dir / "imgs-idx3-ubyte", img);
  write_bytes(dir / "imgs-idx3-ubyte.gz", gzip(img));
  write_bytes(dir / "lbls-idx1-ubyte.gz", gzip(lbl));
  for (const char* name : {"imgs-idx3-ubyte", "imgs-idx3-ubyte.gz"}) {
    CAPTURE(name);
    const IdxImages r = read_idx_images(dir / name);
    CHECK(r.count == 3);
    CHECK(r.rows == 4);
    CHECK(r.cols == 5);
    REQUIRE(r.pixels.size() == 60);
    CHECK(r.pixels[2 * 20 + 3 * 5 + 4] == 2 + 3 + 4);
  }
  CHECK(read_idx_labels(dir / "lbls-idx1-ubyte.gz") == std::vector<std::uint8_t>{7, 0, 9});
}

TEST_CASE("IDX reader rejects each kind of bad file with a message naming it") {
  TempDir dir("idxbad");
  const Bytes img = idx_images(2, 3, 3);
  auto fails = [&](const std::string& name, const Bytes& bytes, const std::string& expected) {
    CAPTURE(name);
    write_bytes(dir / name, bytes);
    CHECK_THROWS_WITH_AS(read_idx_images(dir / name), contains(dir / name + ": " + expected), std::runtime_error);
  };
  fails("wrong-magic-idx3-ubyte", idx_labels({1, 2}), "not an IDX image file: magic number 0x00000801 (this is a label file), expected 0x00000803 (2051)");
  fails("short-header-idx3-ubyte", Bytes(img.begin(), img.begin() + 10), "truncated: the file ends inside the header (rows)");
  fails("truncated-idx3-ubyte", Bytes(img.begin(), img.end() - 1),
        "truncated: header says 2 images of 3x3 (18 bytes) but the file holds 17 bytes of data");
  Bytes longer = img;
  longer.push_back(0);
  fails("long-idx3-ubyte", longer, "wrong size: header says 2 images of 3x3 (18 bytes) but the file holds 19 bytes of data");
  fails("gz-named-raw-idx3-ubyte", gzip(img), "is gzip-compressed but its name does not end in .gz");
  fails("raw-named-gz-idx3-ubyte.gz", img, "is named .gz but is not gzip-compressed");
  const Bytes gz = gzip(img);
  fails("cut-gz-idx3-ubyte.gz", Bytes(gz.begin(), gz.end() - 12), "truncated: header says 2 images of 3x3 (18 bytes) but the gzip stream is cut off after");
  fails("empty-idx3-ubyte", {}, "truncated: the file ends inside the header (magic)");
  fails("zero-rows-idx3-ubyte", idx_images(0, 0, 3), "header claims images of 0x3; expected 1..4096 on each side");
  CHECK_THROWS_WITH_AS(read_idx_images(dir / "missing-idx3-ubyte"), doctest::Contains("missing-idx3-ubyte: cannot open: No such file"),
                       std::runtime_error);
  write_bytes(dir / "images-given-as-labels", img);
  CHECK_THROWS_WITH_AS(read_idx_labels(dir / "images-given-as-labels"),
                       doctest::Contains("not an IDX label file: magic number 0x00000803 (this is an image file)"),
                       std::runtime_error);
}

TEST_CASE("An IDX header claiming 2^31 images in a 1 KB file is refused without a huge allocation") {
  Bytes b;
  put_u32(b, 2051);
  put_u32(b, 1u << 31);
  put_u32(b, 28);
  put_u32(b, 28);
  b.resize(1024, 0);
  CHECK_THROWS_WITH_AS(parse_idx_images(b.data(), b.size(), "big"), "big: header claims 2147483648 images, more than the limit of 100000000",
                       std::runtime_error);
  // Under the count limit but far more than the file holds: raw files are checked against their size...
  Bytes c;
  put_u32(c, 2051);
  put_u32(c, 5'000'000);  // 3.9 GB: under every limit
  put_u32(c, 28);
  put_u32(c, 28);
  c.resize(1024, 0);
  CHECK_THROWS_WITH_AS(parse_idx_images(c.data(), c.size(), "liar"), doctest::Contains("liar: truncated: header says 5000000 images"),
                       std::runtime_error);
  // ...and gzip streams are read in steps, so memory follows the data actually there.
  const Bytes gz = gzip(c);
  CHECK_THROWS_WITH_AS(parse_idx_images(gz.data(), gz.size(), "liar.gz"),
                       doctest::Contains("(3920000000 bytes) but the file holds only 1008 bytes of data"), std::runtime_error);
}

TEST_CASE("load_mnist finds both naming conventions and checks images against labels") {
  TempDir a("mnistA"), b("mnistB");
  write_bytes(a / "train-images-idx3-ubyte", idx_images(4, 28, 28));
  write_bytes(a / "train-labels-idx1-ubyte.gz", gzip(idx_labels({1, 2, 3, 4})));
  const Dataset d = load_mnist(a.path.string(), "train");
  CHECK(d.size() == 4);
  CHECK(d.labels == std::vector<int>{1, 2, 3, 4});
  write_bytes(b / "t10k-images.idx3-ubyte", idx_images(3, 28, 28));
  write_bytes(b / "t10k-labels.idx1-ubyte", idx_labels({1, 2}));
  CHECK_THROWS_WITH_AS(load_mnist(b.path.string(), "test"),
                       contains("t10k-labels.idx1-ubyte: holds 2 labels but " + b / "t10k-images.idx3-ubyte" +
                                         " holds 3 images; expected the same count"),
                       std::runtime_error);
  write_bytes(b / "t10k-labels.idx1-ubyte", idx_labels({1, 12, 3}));
  CHECK_THROWS_WITH_AS(load_mnist(b.path.string(), "test"), doctest::Contains("label 12 at index 1 is outside 0..9"),
                       std::runtime_error);
  CHECK_THROWS_WITH_AS(load_mnist(b.path.string(), "train"),
                       doctest::Contains(": no train images file (looked for train-images-idx3-ubyte, train-images-idx3-ubyte.gz, "
                                         "train-images.idx3-ubyte, train-images.idx3-ubyte.gz)"),
                       std::runtime_error);
}
