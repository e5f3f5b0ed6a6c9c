// Writing files whole or not at all, folders made with their parents, and what a killed writer
// left behind cleaned up.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "files.hpp"
#include "helpers.hpp"
#include "minicnn/io/atomic_file.hpp"

using namespace minicnn;
using namespace minicnn::test;

namespace {
std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
}  // namespace

TEST_CASE("write_text_atomic writes a file, replaces an older one, and leaves no temporary behind") {
  TempDir dir("atomic");
  write_text_atomic(dir / "a.txt", "first version, longer\n");
  write_text_atomic(dir / "a.txt", "second\n");
  CHECK(slurp(dir / "a.txt") == "second\n");
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path)) files += e.is_regular_file();
  CHECK(files == 1);
  const std::string missing = dir / "missing/a.txt";
  CHECK_THROWS_WITH_AS(write_text_atomic(missing, "x"), doctest::Contains(missing.c_str()), std::runtime_error);
}

TEST_CASE("make_folders makes every missing parent and refuses a path that is a file") {
  TempDir dir("folders");
  make_folders(dir / "a/b/c");
  CHECK(std::filesystem::is_directory(dir / "a/b/c"));
  make_folders(dir / "a/b/c");  // already there: fine
  write_text_atomic(dir / "file", "x");
  CHECK_THROWS_WITH_AS(make_folders(dir / "file"), (dir / "file" + ": is not a folder").c_str(), std::runtime_error);
}

TEST_CASE("remove_stale_temporaries removes the temporaries of processes that are gone, and only those") {
  TempDir dir("stale");
  // A pid above the kernel's limit (pid_max is at most 2^22) belongs to no process.
  const std::string dead = "model.npz.tmp.99999999", mine = "other.npz.tmp." + std::to_string(::getpid());
  const std::string dead_libzip = "big.npz.tmp.99999999.a1B2c3";  // libzip's temporary while it wrote ours
  for (const std::string& f : {dead, mine, dead_libzip, std::string("notes.tmp.txt"), std::string("model.npz"),
                               std::string("x.tmp.99999999.toolongsuffix")})
    write_text_atomic(dir / f, "x");
  std::vector<std::string> removed = remove_stale_temporaries(dir.path.string());
  std::sort(removed.begin(), removed.end());
  CHECK(removed == std::vector<std::string>{dead_libzip, dead});
  CHECK(std::filesystem::exists(dir / "x.tmp.99999999.toolongsuffix"));
  CHECK_FALSE(std::filesystem::exists(dir / dead));
  CHECK(std::filesystem::exists(dir / mine));
  CHECK(std::filesystem::exists(dir / "notes.tmp.txt"));
  CHECK(remove_stale_temporaries(dir / "no such folder").empty());
}

TEST_CASE("write_file_atomic_with: the writer's file lands whole, and a writer that throws leaves the old file and no temporary") {
  TempDir dir("atomic-with");
  write_file_atomic_with(dir / "f", [](const std::string& temp) { write_file_atomic(temp, "one", 3, false); });
  CHECK(read_bytes(dir / "f") == Bytes{'o', 'n', 'e'});
  CHECK_THROWS_WITH_AS(write_file_atomic_with(dir / "f",
                                              [](const std::string& temp) {
                                                write_file_atomic(temp, "half", 4, false);
                                                throw std::runtime_error("disk full");
                                              }),
                       "disk full", std::runtime_error);
  CHECK(read_bytes(dir / "f") == Bytes{'o', 'n', 'e'});
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path)) ++files;
  CHECK(files == 1);
}
