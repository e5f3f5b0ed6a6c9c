// minicnn info: what this build runs on this machine: the version, the CPU and the features
// minicnn's kernels use, the kernel path chosen, OpenBLAS's core and configuration, and the
// default thread count, whether ONNX is in. The first lines to paste into a speed report.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "commands.hpp"
#include "common.hpp"
#include "minicnn/core/kernel_path.hpp"
#include "minicnn/core/threads.hpp"
#include "minicnn/io/onnx.hpp"

// Declared by hand: <cblas.h> and xtensor-blas declare the same functions differently, so the
// two clash in one file (docs/STYLE.md, "Dependencies").
extern "C" char* openblas_get_corename(void);
extern "C" char* openblas_get_config(void);

namespace minicnn::cli {

namespace {
std::string env_or_unset(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(name) + "=" + v : std::string(name) + " unset";
}

int run_info() {
  const nlohmann::json env = environment_info();
  std::string paths;
  for (const KernelPath p : supported_kernel_paths()) paths += std::string(paths.empty() ? "" : ", ") + kernel_path_name(p);
  const KernelPath chosen = kernel_path();  // throws (exit 1) for a bad MINICNN_KERNELS
  std::printf("minicnn %s\n", env["minicnn"].get<std::string>().c_str());
  std::printf("cpu: %s, %s\n", env["cpu"].get<std::string>().c_str(), env["os"].get<std::string>().c_str());
  std::printf("cpu features used: %s\n", cpu_features_used().c_str());
  std::printf("kernel path: %s (%s; this CPU runs: %s)\n", kernel_path_name(chosen),
              chosen == best_kernel_path() && !std::getenv("MINICNN_KERNELS") ? "the default for this CPU"
                                                                              : "set by MINICNN_KERNELS",
              paths.c_str());
  std::printf("openblas: %s core (%s, %s); %s\n", openblas_get_corename(), env_or_unset("OPENBLAS_CORETYPE").c_str(),
              env_or_unset("OPENBLAS_L2_SIZE").c_str(), openblas_get_config());
  std::printf("default threads: %d\n", default_num_threads());
  std::printf("onnx import/export: %s\n", onnx_available() ? "yes" : "no (this build has no libonnx: -DMINICNN_ONNX)");
  std::printf("compiler: %s\n", env["compiler"].get<std::string>().c_str());
  return kExitOk;
}
}  // namespace

void add_info_command(CLI::App& app, Command& command) {
  CLI::App* cmd = app.add_subcommand("info", "this build on this machine: CPU features, the kernels chosen, OpenBLAS, threads");
  cmd->footer(
      "examples:\n"
      "  minicnn info                                  the first lines to paste into a speed report\n"
      "  MINICNN_KERNELS=portable minicnn info         the kernel path a variable chooses\n");
  command.register_run(cmd, [](const std::string&) { return run_info(); });
}

}  // namespace minicnn::cli
