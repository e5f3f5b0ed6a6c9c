#pragma once
// Private to the minicnn command-line tool: what its subcommands share.
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "minicnn/data/dataset.hpp"
#include "minicnn/core/threads.hpp"
#include "minicnn/io/atomic_file.hpp"
#include "minicnn/train/errors.hpp"
#include "minicnn/train/settings.hpp"

namespace minicnn::cli {

// The tool's version: CMake's project(... VERSION), the one place it is set.
constexpr const char* kVersion = MINICNN_VERSION;

// The exit codes, UsageError (a bad command line that CLI11 cannot see: a value out of range, a bad
// combination) and the mapping from errors to codes are the library's (train/errors.hpp).

// Validators for numeric options, checked on the text before CLI11 converts it, so "-1" never
// wraps into a huge unsigned value: a bad value exits 2 with "--epochs: expected a whole number
// from 1 to 100000, got '-1'".
CLI::Validator whole_number(std::uint64_t lo, std::uint64_t hi);
// A real number in [lo, hi], or (lo, hi] with lo_open.
CLI::Validator real_number(double lo, double hi, bool lo_open = false);
// One of names (help shows "{a,b,c}"), else exit 2 with "--dataset: expected one of auto, mnist,
// ..., got 'mnsit'; did you mean 'mnist'?".
CLI::Validator one_of(const std::vector<std::string>& names);
// The old, hidden name of a renamed whole-number option (eval --limit, now --test-limit): sets
// target, checked as whole_number(lo, hi), with messages naming the old name.
void add_hidden_alias(CLI::App& cmd, const std::string& name, std::size_t& target, std::uint64_t lo, std::uint64_t hi);

// Makes the folders a file's path names ("runs/imported" for runs/imported/model.npz), as train
// makes its --out: a command that writes one file never fails for want of its folder.
void make_parent_folders(const std::string& file);

// Machine, versions and time, for config.json and reports.
nlohmann::json environment_info();
std::string command_line(int argc, char** argv);
// How the user ran the tool, for commands the tool prints: "build/minicnn" as typed, or "minicnn"
// when it was found on PATH. program_of takes it from a command_line().
std::string program_of(const std::string& command_line);
// s as one shell word: unchanged if safe, else in single quotes.
std::string shell_quote(const std::string& s);
// The --threads option (default: all cores; train's comes from its settings table); the count is
// applied by use_threads (train/settings.hpp).
void add_threads_option(CLI::App& cmd, int& threads);

// How every help page is laid out: CLI11's, with the whole command in the usage line ("Usage:
// minicnn filters apply [OPTIONS] [image]") and flags without CLI11's "{false}" marks, which
// read as the default even for --no-normalize, whose default is on.
class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_usage(const CLI::App* app, std::string name) const override;
  std::string make_option_name(const CLI::Option* opt, bool is_positional) const override;
};

// Gives every page of the tree under app what it should show: --help-all only on pages with
// subcommands (it prints theirs), and a group page without a footer of its own ("minicnn help
// filters") the first example of each of its subcommands, instead of nothing.
void finish_help_pages(CLI::App& app);

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
