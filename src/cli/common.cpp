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

void add_dataset_options(CLI::App& app, DatasetChoice& d) {
  app.add_option("--dataset", d.name, "mnist or fashion-mnist")
      ->check(CLI::IsMember({"mnist", "fashion-mnist"}))
      ->capture_default_str();
  app.add_option("--data", d.dir, "folder with the IDX files (default data/mnist or data/fashion-mnist)");
}

bool path_exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev;
}

std::string dataset_dir(const DatasetChoice& d) {
  if (!d.dir.empty()) return d.dir;
  const std::string local = "data/" + d.name;
  if (d.name == "fashion-mnist" && !path_exists(local) && path_exists("/usr/share/datasets/fashion-mnist"))
    return "/usr/share/datasets/fashion-mnist";  // Debian's dataset-fashion-mnist package
  return local;
}

std::vector<std::string> class_names(const std::string& dataset) {
  if (dataset == "fashion-mnist")
    return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
  return {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
}

Normalization checkpoint_normalization(const nlohmann::json& extra) {
  if (!extra.contains("normalize") || extra["normalize"].is_null()) return {};
  return {extra["normalize"]["mean"].get<float>(), extra["normalize"]["std"].get<float>()};
}

nlohmann::json normalization_json(bool normalize, const Normalization& norm) {
  return normalize ? nlohmann::json{{"mean", norm.mean}, {"std", norm.std}} : nlohmann::json();
}

Tensor model_input(const std::string& path, const Shape& input_shape, Normalization norm, bool raw, Tensor* pixels) {
  if (input_shape.size() != 3 || input_shape[0] != 1)
    throw std::runtime_error("the model expects inputs " + shape_str(input_shape) + "; pictures can feed only (1, H, W)");
  const Tensor gray = to_grayscale(load_image(path));
  const Tensor px = xt::clip(raw ? resize(gray, input_shape[1], input_shape[2]) : prepare_digit(gray, input_shape[1], input_shape[2]),
                             0.f, 255.f);
  if (pixels) *pixels = px;
  Tensor x = (px / 255.f - norm.mean) / norm.std;
  x.reshape({1, input_shape[1], input_shape[2]});
  return x;
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

void Progress::finish() {
  if (open_) std::printf("\n");
  open_ = false;
}

}  // namespace minicnn::cli
