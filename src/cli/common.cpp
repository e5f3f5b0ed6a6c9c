#include "common.hpp"

#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <thread>

#include "minicnn/io/checkpoint.hpp"
#include "minicnn/data/digit.hpp"
#include "minicnn/io/image_io.hpp"

extern "C" char* openblas_get_config(void);

namespace minicnn::cli {

bool path_exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev;
}

std::uint64_t parse_bytes(const std::string& option, const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  const std::string unit = end ? end : "";
  const double scale = unit.empty() ? 1 : unit == "K" ? 1024.0 : unit == "M" ? 1048576.0 : unit == "G" ? 1073741824.0 : -1;
  if (text.empty() || !(v > 0) || scale < 0 || v * scale > 1e15)
    throw UsageError(option + " " + text + ": expected a size such as 512M or 8G (K, M, G: binary units)");
  return static_cast<std::uint64_t>(v * scale);
}

std::string checkpoint_path(const std::string& arg) {
  struct stat st {};
  if (::stat(arg.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return arg;
  const std::string model = (arg.size() > 1 && arg.back() == '/' ? arg.substr(0, arg.size() - 1) : arg) + "/model.npz";
  if (!path_exists(model)) throw std::runtime_error(arg + " is a folder with no model.npz (give a checkpoint or a run folder)");
  return model;
}

void make_dirs(const std::string& path) {
  std::string cur;
  for (std::size_t i = 0; i <= path.size(); ++i) {
    if (i < path.size() && path[i] != '/') continue;
    cur = path.substr(0, i);
    if (cur.empty()) continue;
    if (::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST)
      throw std::runtime_error(cur + ": cannot create folder: " + std::strerror(errno));
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) throw std::runtime_error(path + ": is not a folder");
}


int default_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

std::string command_line(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    const bool quote = a.empty() || a.find_first_of(" \t\"'$,") != std::string::npos;
    s += (i ? " " : "") + (quote ? "\"" + a + "\"" : a);
  }
  return s;
}

nlohmann::json environment_info() {
  nlohmann::json j;
  std::string cpu;
  std::ifstream info("/proc/cpuinfo");
  for (std::string line; std::getline(info, line);)
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  utsname u{};
  uname(&u);
  char date[64];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  j["date"] = date;
  j["cpu"] = cpu;
  j["cores"] = std::thread::hardware_concurrency();
  j["os"] = std::string(u.sysname) + " " + u.release + " " + u.machine;
  j["compiler"] = "g++ " __VERSION__;
  j["openblas"] = openblas_get_config();
  j["minicnn"] = "0.1.0";
  return j;
}

Progress::Progress() : tty_(::isatty(STDOUT_FILENO) == 1) {}

void Progress::update(std::size_t epoch, std::size_t epochs, std::size_t batch, std::size_t batches, double loss,
                      double acc, double ips, double eta) {
  char line[256];
  const int width = 24;
  const int filled = static_cast<int>(width * batch / std::max<std::size_t>(batches, 1));
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(width, '.');
  std::snprintf(line, sizeof line, "epoch %zu/%zu [%s] %zu/%zu  loss %.4f  acc %.2f%%  %.0f img/s  ETA %.0fs", epoch,
                epochs, bar.c_str(), batch, batches, loss, 100 * acc, ips, eta);
  if (tty_) {
    std::printf("\r%s\033[K", line);
    std::fflush(stdout);
    open_ = true;
    return;
  }
  const std::size_t quarter = 4 * batch / std::max<std::size_t>(batches, 1);
  if (batch == 1) last_quarter_ = 0;
  if (quarter > last_quarter_ || batch == batches) {
    last_quarter_ = quarter;
    std::printf("%s\n", line);
    std::fflush(stdout);
  }
}

void Progress::count(const char* label, std::size_t done, std::size_t total) {
  char line[160];
  std::snprintf(line, sizeof line, "%s %zu/%zu", label, done, total);
  if (tty_) {
    std::printf("\r%s\033[K", line);
    std::fflush(stdout);
    open_ = true;
    return;
  }
  const std::size_t quarter = 4 * done / std::max<std::size_t>(total, 1);
  if (quarter > last_quarter_) {
    last_quarter_ = quarter;
    std::printf("%s\n", line);
    std::fflush(stdout);
  }
}

void Progress::finish() {
  if (open_) std::printf("\n");
  open_ = false;
}

}  // namespace minicnn::cli
