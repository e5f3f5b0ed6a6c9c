#include "files.hpp"
#include "minicnn/io/atomic_file.hpp"
#include "helpers.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/io/npy.hpp"
#include "minicnn/io/zip.hpp"
#include "minicnn/core/registry.hpp"

#include <zip.h>

using namespace minicnn;
using namespace minicnn::test;

namespace {
std::unique_ptr<Sequential> small_model(std::uint64_t seed) {
  manual_seed(seed);
  return build_model("conv 2 3 pad=1, relu, maxpool 2, flatten, linear 3", {1, 6, 6});
}
CheckpointInfo info_for(Sequential& m) {
  CheckpointInfo info;
  info.spec = m.spec();
  info.input_shape = {1, 6, 6};
  info.extra_json = R"({"note": "test"})";
  return info;
}
// The .npy bytes of a one-element float array, as numpy.save writes them.
std::string xt_npy_of_one_float() {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }";
  header.resize(117, ' ');
  header += '\n';
  std::string npy = std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(header.size()) + '\0' + header;
  return npy + std::string(4, '\0');
}

// A zip holding one stored entry with the given name and bytes.
Bytes zip_with(const std::vector<std::pair<std::string, std::string>>& entries) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* mem = zip_source_buffer_create(nullptr, 0, 0, &err);
  zip_source_keep(mem);
  zip_t* z = zip_open_from_source(mem, ZIP_TRUNCATE, &err);
  for (const auto& [name, bytes] : entries) {
    zip_source_t* s = zip_source_buffer(z, bytes.data(), bytes.size(), 0);
    zip_file_add(z, name.c_str(), s, 0);
  }
  zip_close(z);
  zip_stat_t st;
  zip_source_stat(mem, &st);
  Bytes out(st.size);
  zip_source_open(mem);
  zip_source_read(mem, out.data(), st.size);
  zip_source_close(mem);
  zip_source_free(mem);
  return out;
}
}  // namespace

TEST_CASE("A checkpoint round-trips bit-exactly, with optimiser state and metadata") {
  TempDir dir("ckpt");
  auto a = small_model(1);
  SGD opt(a->parameters(), 0.1f, 0.9f);
  // one step so the momentum buffers hold something
  SoftmaxCrossEntropy loss;
  loss.forward(a->forward(randn({2, 1, 6, 6}, 3)), {0, 2});
  a->backward(loss.backward());
  opt.step();
  save_checkpoint(dir / "m.npz", *a, info_for(*a), &opt);

  auto b = small_model(2);  // different weights
  SGD opt_b(b->parameters(), 0.1f, 0.9f);
  const CheckpointFile f = read_checkpoint(dir / "m.npz");
  CHECK(f.info.spec == a->spec());
  CHECK(f.info.input_shape == Shape{1, 6, 6});
  CHECK(f.info.extra_json == R"({"note":"test"})");
  load_into(f, "m.npz", *b, &opt_b);
  auto pa = a->parameters(), pb = b->parameters();
  for (std::size_t i = 0; i < pa.size(); ++i) CHECK(bit_identical(pa[i].second->value, pb[i].second->value));
  for (std::size_t i = 0; i < opt.state().size(); ++i) CHECK(bit_identical(*opt.state()[i].second, *opt_b.state()[i].second));

  CheckpointInfo info;
  auto c = load_model(dir / "m.npz", &info);  // rebuilt from the spec inside the file
  CHECK(c->name() == a->name());
  CHECK(bit_identical(c->parameters()[0].second->value, pa[0].second->value));

  save_checkpoint(dir / "again.npz", *a, info_for(*a), &opt);  // same content, same bytes
  CHECK(read_bytes(dir / "m.npz") == read_bytes(dir / "again.npz"));
}

TEST_CASE("Loading checks names and shapes and says what does not match") {
  TempDir dir("ckptbad");
  auto a = small_model(1);
  save_checkpoint(dir / "m.npz", *a, info_for(*a));
  const CheckpointFile f = read_checkpoint(dir / "m.npz");

  manual_seed(1);
  auto wider = build_model("conv 4 3 pad=1, relu, maxpool 2, flatten, linear 3", {1, 6, 6});
  const Tensor before = wider->parameters()[0].second->value;
  CHECK_THROWS_WITH_AS(load_into(f, "m.npz", *wider), "m.npz: tensor '0.weight' has shape (2, 1, 3, 3), but the model expects (4, 1, 3, 3)",
                       std::runtime_error);
  CHECK(bit_identical(wider->parameters()[0].second->value, before));  // a failed load changes nothing

  auto deeper = build_model("conv 2 3 pad=1, relu, maxpool 2, flatten, linear 3, relu, linear 2", {1, 6, 6});
  CHECK_THROWS_WITH_AS(load_into(f, "m.npz", *deeper), doctest::Contains("m.npz: has no tensor '6.weight', which the model expects with shape (2, 3)"),
                       std::runtime_error);
  auto no_bias = build_model("conv 2 3 pad=1 bias=0, relu, maxpool 2, flatten, linear 3", {1, 6, 6});
  CHECK_THROWS_WITH_AS(load_into(f, "m.npz", *no_bias), "m.npz: holds tensor '0.bias', which the model does not have", std::runtime_error);
  SGD opt(a->parameters(), 0.1f, 0.9f);
  CHECK_THROWS_WITH_AS(load_into(f, "m.npz", *a, &opt), doctest::Contains("has no tensor 'optimizer.0.weight.momentum_buffer'"),
                       std::runtime_error);
}

TEST_CASE("A checkpoint without optimiser state loads into a fresh optimiser only when that is allowed") {
  TempDir dir("ckptfresh");
  auto a = small_model(1);
  save_checkpoint(dir / "m.npz", *a, info_for(*a));  // as minicnn import writes it: no optimiser state
  const CheckpointFile f = read_checkpoint(dir / "m.npz");
  auto b = small_model(2);
  Adam opt(b->parameters(), 1e-3f);
  CHECK_THROWS_WITH_AS(load_into(f, "m.npz", *b, &opt), doctest::Contains("has no tensor 'optimizer."), std::runtime_error);
  load_into(f, "m.npz", *b, &opt, /*optimizer_state_optional=*/true);
  CHECK(bit_identical(b->parameters()[0].second->value, a->parameters()[0].second->value));
  for (const auto& [n, t] : opt.state()) CHECK_MESSAGE(xt::all(xt::equal(*t, 0.f)), n);  // fresh, as built

  // A file that has optimiser state must still have all of it.
  SGD sgd(a->parameters(), 0.1f, 0.9f);
  save_checkpoint(dir / "sgd.npz", *a, info_for(*a), &sgd);
  CHECK_THROWS_WITH_AS(load_into(read_checkpoint(dir / "sgd.npz"), "sgd.npz", *b, &opt, true),
                       doctest::Contains("has no tensor 'optimizer."), std::runtime_error);
}

TEST_CASE("Saving streams each tensor: every entry is exactly the .npy numpy.save would write") {
  TempDir dir("ckptnpy");
  auto a = small_model(3);
  CheckpointInfo info = info_for(*a);
  info.arrays.emplace_back("kernels", randn({2, 3, 3}, 4));
  save_checkpoint(dir / "m.npz", *a, info);
  const Bytes file = read_bytes(dir / "m.npz");
  std::map<std::string, std::string> entries;
  zip_for_each(file.data(), file.size(), "m.npz", ZipLimits{100, 1u << 20, 1u << 20},
               [&](const std::string& n, const std::uint8_t* p, std::size_t size) { entries[n].assign(p, p + size); });
  for (auto& [n, p] : a->parameters()) CHECK_MESSAGE(entries.at(n + ".npy") == npy_bytes(p->value), n);
  CHECK(entries.at("extra.kernels.npy") == npy_bytes(info.arrays[0].second));
  CHECK(entries.count("__minicnn__.npy") == 1);
}

TEST_CASE("Damaged and hostile checkpoints are refused with their documented errors") {
  TempDir dir("ckpthostile");
  auto a = small_model(1);
  save_checkpoint(dir / "m.npz", *a, info_for(*a));
  const Bytes good = read_bytes(dir / "m.npz");

  auto fails = [&](const std::string& name, const Bytes& bytes, const std::string& msg) {
    CAPTURE(name);
    write_bytes(dir / name, bytes);
    CHECK_THROWS_WITH_AS(read_checkpoint(dir / name), contains(msg), std::runtime_error);
  };
  fails("truncated.npz", Bytes(good.begin(), good.begin() + good.size() / 2), "truncated.npz: not a valid .npz (zip) file");
  fails("empty.npz", {}, "empty.npz: is empty; expected a .npz checkpoint");
  fails("text.npz", Bytes{'h', 'e', 'l', 'l', 'o'}, "text.npz: not a valid .npz (zip) file");
  Bytes flipped = good;
  // One bit inside 0.weight's data (after the 30-byte zip header, its name and the 128-byte .npy
  // header): the archive stays well-formed, only the CRC can tell.
  flipped[30 + std::string("0.weight.npy").size() + 128 + 5] ^= 0x01;
  fails("flipped.npz", flipped, "flipped.npz: entry '0.weight.npy' is corrupt (CRC-32 mismatch)");
  CHECK_THROWS_WITH_AS(read_checkpoint(dir / "nope.npz"), doctest::Contains("nope.npz: cannot open"), std::runtime_error);

  // A .npy whose header claims a 10 GB array but holds 4 bytes.
  std::string npy = "\x93NUMPY\x01";
  npy += '\0';
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2500000000,), }";
  header.resize(118, ' ');
  header += '\n';
  npy += static_cast<char>(header.size() & 0xff);
  npy += static_cast<char>(header.size() >> 8);
  npy += header + "abcd";
  fails("claims10gb.npz", zip_with({{"0.weight.npy", npy}}),
        "claims10gb.npz entry '0.weight.npy': holds 4 bytes of data, but its shape (2500000000) needs 10000000000");
  fails("notnpy.npz", zip_with({{"readme.txt", "hi"}}), "notnpy.npz: entry 'readme.txt' is not a .npy array");
  fails("nometa.npz", zip_with({{"0.weight.npy", std::string(xt_npy_of_one_float())}}),
        "nometa.npz: has no '__minicnn__' metadata; it was not written by minicnn");
}

TEST_CASE("A zip bomb is refused by its declared sizes before it is inflated") {
  TempDir dir("bomb");
  // 2 GiB of zeros deflates to about 2 MB; build it with zlib directly and wrap it by hand as a zip entry
  // would be slow, so use libzip with a source that claims the size: a 1.5 GiB entry of zeros.
  std::string zeros(1u << 20, '\0');
  zip_error_t err;
  zip_error_init(&err);
  const std::string path = dir / "bomb.npz";
  int zerr = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &zerr);
  REQUIRE(z);
  std::string big = "\x93NUMPY\x01";
  big += '\0';
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (402653184,), }";  // 1.5 GiB
  header.resize(118, ' ');
  header += '\n';
  big += static_cast<char>(header.size() & 0xff);
  big += static_cast<char>(header.size() >> 8);
  big += header;
  big.resize(big.size() + (1u << 24), '\0');  // only 16 MiB really there; deflated to a few KB
  zip_source_t* s = zip_source_buffer(z, big.data(), big.size(), 0);
  const auto idx = zip_file_add(z, "0.weight.npy", s, 0);
  zip_set_file_compression(z, static_cast<zip_uint64_t>(idx), ZIP_CM_DEFLATE, 9);
  REQUIRE(zip_close(z) == 0);
  // Patch the declared uncompressed size (central directory and local header) to 1.5 GiB + header.
  Bytes b = read_bytes(path);
  const std::uint32_t real = static_cast<std::uint32_t>(big.size()), claimed = (3u << 29) + 128;
  std::size_t patched = 0;
  for (std::size_t i = 0; i + 4 <= b.size(); ++i) {
    std::uint32_t v = b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (std::uint32_t(b[i + 3]) << 24);
    if (v == real) {
      for (int k = 0; k < 4; ++k) b[i + k] = static_cast<std::uint8_t>(claimed >> (8 * k));
      ++patched;
    }
  }
  REQUIRE(patched >= 2);
  write_bytes(path, b);
  CHECK_THROWS_WITH_AS(read_checkpoint(path), doctest::Contains("bomb.npz: entry '0.weight.npy' claims 1610612864 bytes, over the limit of 1073741824"),
                       std::runtime_error);
}

TEST_CASE("write_file_atomic replaces a file whole, and a failed write leaves the old one") {
  TempDir dir("atomic");
  write_file_atomic(dir / "f", "old", 3);
  write_file_atomic(dir / "f", "new!", 4);
  CHECK(read_bytes(dir / "f") == Bytes{'n', 'e', 'w', '!'});
  CHECK_THROWS_WITH_AS(write_file_atomic(dir / "no/such/dir/f", "x", 1), doctest::Contains("cannot write"), std::runtime_error);
  auto a = small_model(1);
  CHECK_THROWS_AS(save_checkpoint(dir / "missing-dir/m.npz", *a, info_for(*a)), std::runtime_error);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path)) ++files;
  CHECK(files == 1);  // no temporary left behind
}
