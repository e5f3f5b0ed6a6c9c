#include "minicnn/train/run_folder.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "minicnn/io/atomic_file.hpp"

namespace minicnn {

namespace {
// The columns and where each lives in a row.
const std::vector<std::pair<std::string, double EpochMetrics::*>>& value_columns() {
  static const std::vector<std::pair<std::string, double EpochMetrics::*>> c{
      {"train_loss", &EpochMetrics::train_loss},
      {"train_accuracy", &EpochMetrics::train_accuracy},
      {"test_loss", &EpochMetrics::test_loss},
      {"test_accuracy", &EpochMetrics::test_accuracy},
      {"seconds", &EpochMetrics::seconds},
      {"images_per_second", &EpochMetrics::images_per_second},
      {"lr", &EpochMetrics::lr}};
  return c;
}

// How each column is printed: losses and accuracies with 6 decimals, timings as measured, lr in %g.
std::string cell(const std::string& column, double v) {
  if (std::isnan(v)) return "";
  char b[64];
  const char* f = column == "seconds" ? "%.3f" : column == "images_per_second" ? "%.1f" : column == "lr" ? "%g" : "%.6f";
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> f;
  std::stringstream ss(line);
  for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
  if (!line.empty() && line.back() == ',') f.emplace_back();
  return f;
}
}  // namespace

const std::vector<std::string>& metrics_columns() {
  static const std::vector<std::string> cols = [] {
    std::vector<std::string> c{"epoch"};
    for (const auto& [name, m] : value_columns()) c.push_back(name);
    return c;
  }();
  return cols;
}

void write_metrics_csv(const std::string& path, const std::vector<EpochMetrics>& rows) {
  std::string csv;
  for (const auto& c : metrics_columns()) csv += (c == "epoch" ? "" : ",") + c;
  csv += "\n";
  for (const auto& r : rows) {
    csv += std::to_string(r.epoch);
    for (const auto& [name, m] : value_columns()) csv += "," + cell(name, r.*m);
    csv += "\n";
  }
  write_text_atomic(path, csv);
}

std::vector<EpochMetrics> read_metrics_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::string line;
  if (!std::getline(in, line)) return {};
  const std::vector<std::string> header = split_csv_line(line);
  std::vector<EpochMetrics> rows;
  for (std::size_t n = 2; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    const std::vector<std::string> f = split_csv_line(line);
    if (f.size() != header.size())
      throw std::runtime_error(path + ": line " + std::to_string(n) + " has " + std::to_string(f.size()) +
                               " fields; the header has " + std::to_string(header.size()));
    EpochMetrics r;
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (f[i].empty()) continue;
      char* end = nullptr;
      const double v = std::strtod(f[i].c_str(), &end);
      if (*end != '\0') throw std::runtime_error(path + ": line " + std::to_string(n) + ": '" + f[i] + "' is not a number");
      if (header[i] == "epoch") r.epoch = static_cast<std::size_t>(v);
      for (const auto& [name, m] : value_columns())
        if (header[i] == name) r.*m = v;
    }
    rows.push_back(r);
  }
  return rows;
}

std::string run_folder_of(const std::string& checkpoint) {
  const auto slash = checkpoint.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : checkpoint.substr(0, slash);
  const std::string name = checkpoint.substr(slash == std::string::npos ? 0 : slash + 1);
  if (name == "model.npz") return dir;
  const auto up = dir.find_last_of('/');
  if (dir.substr(up == std::string::npos ? 0 : up + 1) != "checkpoints") return "";
  return up == std::string::npos ? "." : up == 0 ? "/" : dir.substr(0, up);
}

}  // namespace minicnn
