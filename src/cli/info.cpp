// minicnn info: what this build runs on this machine: the version, the CPU and the features
// minicnn's kernels use, the kernel path chosen, OpenBLAS's core and configuration, and the
// default thread count, whether ONNX is in, the convolution algorithm setting (and with --model,
// which algorithm each conv layer of that model runs). The first lines to paste into a speed report.
#include <cstdio>
#include <cstdlib>
#include <memory>
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

struct InfoArgs {
  std::string model, input;
};

int run_info(const InfoArgs& a) {
  const nlohmann::json env = environment_info();
  std::string paths;
  for (const KernelPath p : supported_kernel_paths()) paths += std::string(paths.empty() ? "" : ", ") + kernel_path_name(p);
  const KernelPath chosen = kernel_path();  // throws (exit 1) for a bad MINICNN_KERNELS
  const ConvAlgorithm conv = conv_algorithm();  // throws (exit 1) for a bad MINICNN_CONV
  const bool fuse = fusion_enabled();            // throws (exit 1) for a bad MINICNN_FUSE
  const std::string convs = a.model.empty() ? "" : conv_algorithms(a.model, a.input);  // before printing: may throw
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
  std::printf("convolution: %s (%s): %s\n", conv_algorithm_name(conv),
              std::getenv("MINICNN_CONV") && *std::getenv("MINICNN_CONV") ? "set by MINICNN_CONV" : "the default",
              conv == ConvAlgorithm::direct   ? "every layer direct (implicit or im2col)"
              : conv == ConvAlgorithm::winograd ? "Winograd F(2x2,3x3) for every stride-1 3x3 layer, direct for the rest"
                                              : "Winograd F(2x2,3x3) for the forward of stride-1 3x3 layers with 64+ input "
                                                "and output channels, direct for their backward and the rest");
  std::printf("%s", convs.c_str());
  std::printf("fusion: %s (%s): %s\n", fuse ? "on" : "off",
              std::getenv("MINICNN_FUSE") && *std::getenv("MINICNN_FUSE") ? "set by MINICNN_FUSE" : "the default",
              fuse ? "a BatchNorm2d followed by a ReLU runs as one pass (the same results)" : "every layer runs as itself");
  return kExitOk;
}
}  // namespace

void add_info_command(CLI::App& app, Command& command) {
  CLI::App* cmd = app.add_subcommand(
      "info", "this build on this machine: CPU features, the kernels chosen, OpenBLAS, threads, convolution algorithms");
  auto a = std::make_shared<InfoArgs>();
  cmd->add_option("--model", a->model, "also list which algorithm each conv layer of this model runs: a preset or a spec");
  cmd->add_option("--input", a->input, "with --model: the input shape CxHxW (default: a preset's own)");
  cmd->footer(
      "examples:\n"
      "  minicnn info                                  the first lines to paste into a speed report\n"
      "  MINICNN_KERNELS=portable minicnn info         the kernel path a variable chooses\n"
      "  minicnn info --model resnet-mini              which conv layers run Winograd, which direct\n"
      "  MINICNN_CONV=direct minicnn info --model convnet-rgb   every conv on the direct algorithm\n"
      "MINICNN_CONV=direct|winograd|auto (default auto) chooses the convolution algorithm of stride-1 3x3 layers;\n--model lists the algorithm of each conv's forward.\n"
      "MINICNN_FUSE=0|1 (default 1) runs each BatchNorm2d + ReLU pair as two layers or as one pass.\n");
  command.register_run(cmd, [a](const std::string&) { return run_info(*a); });
}

}  // namespace minicnn::cli
