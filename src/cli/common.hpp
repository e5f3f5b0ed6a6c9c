#pragma once
// Private to the minicnn command-line tool: what its subcommands share.
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "minicnn/data/dataset.hpp"
#include "minicnn/io/atomic_file.hpp"

namespace minicnn::cli {

// Exit codes, documented in `minicnn --help`.
constexpr int kExitOk = 0, kExitError = 1, kExitUsage = 2, kExitNumerical = 3;

// Thrown for a bad command line that CLI11 cannot see (a value out of range, a bad combination).
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// "512M", "4G", "1.5G", "100000" (bytes) -> bytes; throws UsageError naming the option.
std::uint64_t parse_bytes(const std::string& option, const std::string& text);

// Where a checkpoint argument points: a run folder means its model.npz; throws UsageError for a
// folder without one ("runs/m1 is a folder with no model.npz").
std::string checkpoint_path(const std::string& arg);

// "mkdir -p"; throws std::runtime_error naming the path.
void make_dirs(const std::string& path);
bool path_exists(const std::string& path);
bool same_file(const std::string& a, const std::string& b);  // both exist and are one file

// Machine, versions and time, for config.json and reports.
nlohmann::json environment_info();
std::string command_line(int argc, char** argv);
int default_threads();

// A progress line per epoch: redrawn in place on a terminal, every quarter epoch otherwise.
class Progress {
 public:
  Progress();
  void update(std::size_t epoch, std::size_t epochs, std::size_t batch, std::size_t batches, double loss, double acc,
              double images_per_second, double eta_seconds);
  // "label done/total": in place on a terminal, at each quarter otherwise.
  void count(const char* label, std::size_t done, std::size_t total);
  void finish();  // ends the in-place line
 private:
  bool tty_;
  bool open_ = false;
  std::size_t last_quarter_ = 0;
};

}  // namespace minicnn::cli
