#include "common.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <thread>

#include "minicnn/core/text.hpp"
#include "minicnn/core/threads.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/data/digit.hpp"
#include "minicnn/io/image_io.hpp"

extern "C" char* openblas_get_config(void);

namespace minicnn::cli {

CLI::Validator whole_number(std::uint64_t lo, std::uint64_t hi) {
  const std::string range = "a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
  return CLI::Validator(
      [=](std::string& v) -> std::string {
        const bool digits = !v.empty() && v.size() <= 19 && v.find_first_not_of("0123456789") == std::string::npos;
        if (!digits || std::stoull(v) < lo || std::stoull(v) > hi) return "expected " + range + ", got '" + v + "'";
        return {};
      },
      range.substr(2));
}

std::string HelpFormatter::make_usage(const CLI::App* app, std::string) const {
  std::string command;
  for (const CLI::App* a = app; a; a = a->get_parent()) command = (a->get_parent() ? a->get_name() : "minicnn") + (command.empty() ? "" : " ") + command;
  return CLI::Formatter::make_usage(app, command);
}

std::string HelpFormatter::make_option_name(const CLI::Option* opt, bool is_positional) const {
  if (is_positional) return opt->get_name(true, false);
  std::string names;
  for (const auto& n : opt->get_snames()) names += (names.empty() ? "-" : ",-") + n;
  for (const auto& n : opt->get_lnames()) names += (names.empty() ? "--" : ",--") + n;
  return names;
}

void finish_help_pages(CLI::App& app) {
  const auto subs = app.get_subcommands([](CLI::App*) { return true; });
  if (subs.empty()) {
    app.set_help_all_flag("", "");
    return;
  }
  std::string examples;
  for (CLI::App* sub : subs) {
    finish_help_pages(*sub);
    const std::string footer = sub->get_footer();
    const auto at = footer.find("examples:\n");
    if (at == std::string::npos) continue;
    const auto start = at + 10, end = footer.find('\n', start);
    examples += footer.substr(start, end == std::string::npos ? std::string::npos : end - start + 1);
  }
  if (app.get_parent() && app.get_footer().empty() && !examples.empty()) app.footer("examples:\n" + examples);
}

void add_threads_option(CLI::App& cmd, int& threads) {
  cmd.add_option("--threads", threads, "threads (default: all cores)")->check(whole_number(1, 1024));
}

CLI::Validator real_number(double lo, double hi, bool lo_open) {
  char b[96];
  std::snprintf(b, sizeof b, "a number %s %g and at most %g", lo_open ? "above" : "of at least", lo, hi);
  const std::string range = b;
  return CLI::Validator(
      [=](std::string& v) -> std::string {
        char* end = nullptr;
        const double x = std::strtod(v.c_str(), &end);
        const bool ok = !v.empty() && *end == '\0' && std::isfinite(x) && (lo_open ? x > lo : x >= lo) && x <= hi;
        return ok ? std::string() : "expected " + range + ", got '" + v + "'";
      },
      range.substr(2));
}

CLI::Validator one_of(const std::vector<std::string>& names) {
  return CLI::Validator(
      [=](std::string& v) -> std::string {
        if (std::find(names.begin(), names.end(), v) != names.end()) return {};
        return "expected one of " + join(names) + ", got '" + v + "'" + suggestion(v, names);
      },
      "{" + join(names, ",") + "}");
}

void add_hidden_alias(CLI::App& cmd, const std::string& name, std::size_t& target, std::uint64_t lo, std::uint64_t hi) {
  // Not a validator: CLI11 leaves a hidden option's name out of a validator's message.
  cmd.add_option_function<std::string>(name, [&target, name, lo, hi](const std::string& v) {
       std::string text = v;
       const std::string error = whole_number(lo, hi)(text);
       if (!error.empty()) throw CLI::ValidationError(name, error);
       target = static_cast<std::size_t>(std::stoull(v));
     })->group("");
}


void make_parent_folders(const std::string& file) {
  const auto slash = file.find_last_of('/');
  if (slash != std::string::npos && slash > 0) make_folders(file.substr(0, slash));
}

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%") == std::string::npos)
    return s;
  std::string q = "'";
  for (const char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string command_line(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) s += (i ? " " : "") + shell_quote(argv[i]);
  return s;
}

std::string program_of(const std::string& command_line) {
  // The first word of a command_line(); unquoted, it is a word without spaces.
  std::string first = command_line.substr(0, command_line.find(' '));
  if (first.size() >= 2 && first.front() == '\'' ) first = command_line.substr(1, command_line.find('\'', 1) - 1);
  return first.find('/') == std::string::npos ? std::string("minicnn") : shell_quote(first);
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
  j["minicnn"] = kVersion;
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
  if (done <= total / 4 && quarter < last_quarter_) last_quarter_ = 0;  // a new count has begun
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
