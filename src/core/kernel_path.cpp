#include "minicnn/core/kernel_path.hpp"

#include <cstdlib>
#include <stdexcept>

namespace minicnn {

namespace {
struct CpuFeatures {
  bool avx2 = false, fma = false, avx512f = false;
};

// GCC's and Clang's __builtin_cpu_supports also check that the operating system saves the wider
// registers (XSAVE state), so a "yes" means the instructions can really be used.
CpuFeatures detect_cpu() {
  CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  f.avx2 = __builtin_cpu_supports("avx2");
  f.fma = __builtin_cpu_supports("fma");
  f.avx512f = __builtin_cpu_supports("avx512f");
#endif
  return f;
}

const CpuFeatures& cpu() {
  static const CpuFeatures f = detect_cpu();
  return f;
}

constexpr KernelPath kAll[] = {KernelPath::reference, KernelPath::portable, KernelPath::avx2, KernelPath::avx512,
                               KernelPath::blas};

std::string unsupported_message(KernelPath path) {
  std::string have;
  for (const KernelPath p : supported_kernel_paths()) have += std::string(have.empty() ? "" : ", ") + kernel_path_name(p);
  return std::string("this CPU cannot run the ") + kernel_path_name(path) + " kernels (it runs: " + have + ")";
}

KernelPath& current() {
  static KernelPath path = [] {
    const char* env = std::getenv("MINICNN_KERNELS");
    if (!env || !*env) return best_kernel_path();
    try {
      const KernelPath p = parse_kernel_path(env);
      if (!kernel_path_supported(p)) throw std::invalid_argument(unsupported_message(p));
      return p;
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string("MINICNN_KERNELS: ") + e.what());
    }
  }();
  return path;
}
}  // namespace

KernelPath kernel_path() { return current(); }

void set_kernel_path(KernelPath path) {
  if (!kernel_path_supported(path)) throw std::invalid_argument("set_kernel_path: " + unsupported_message(path));
  current() = path;
}

const char* kernel_path_name(KernelPath path) {
  switch (path) {
    case KernelPath::reference: return "reference";
    case KernelPath::portable: return "portable";
    case KernelPath::avx2: return "avx2";
    case KernelPath::avx512: return "avx512";
    case KernelPath::blas: return "blas";
  }
  return "?";
}

KernelPath parse_kernel_path(const std::string& name) {
  for (const KernelPath p : kAll)
    if (name == kernel_path_name(p)) return p;
  throw std::invalid_argument("unknown kernel path '" + name + "' (expected reference, portable, avx2, avx512 or blas)");
}

bool kernel_path_supported(KernelPath path) {
  switch (path) {
    case KernelPath::avx2: return cpu().avx2 && cpu().fma;
    case KernelPath::avx512: return cpu().avx512f;
    default: return true;
  }
}

std::vector<KernelPath> supported_kernel_paths() {
  std::vector<KernelPath> paths;
  for (const KernelPath p : kAll)
    if (kernel_path_supported(p)) paths.push_back(p);
  return paths;
}

KernelPath best_kernel_path() {
  if (kernel_path_supported(KernelPath::avx512)) return KernelPath::avx512;
  if (kernel_path_supported(KernelPath::avx2)) return KernelPath::avx2;
  return KernelPath::portable;
}

std::string cpu_features_used() {
  std::string s;
  auto add = [&](bool has, const char* name) {
    if (has) s += std::string(s.empty() ? "" : " ") + name;
  };
  add(cpu().avx2, "avx2");
  add(cpu().fma, "fma");
  add(cpu().avx512f, "avx512f");
  return s.empty() ? "none" : s;
}

namespace {
ConvAlgorithm& current_conv() {
  static ConvAlgorithm a = [] {
    const char* env = std::getenv("MINICNN_CONV");
    if (!env || !*env) return ConvAlgorithm::automatic;
    try {
      return parse_conv_algorithm(env);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string("MINICNN_CONV: ") + e.what());
    }
  }();
  return a;
}
}  // namespace

ConvAlgorithm conv_algorithm() { return current_conv(); }
void set_conv_algorithm(ConvAlgorithm a) { current_conv() = a; }

const char* conv_algorithm_name(ConvAlgorithm a) {
  switch (a) {
    case ConvAlgorithm::direct: return "direct";
    case ConvAlgorithm::winograd: return "winograd";
    case ConvAlgorithm::automatic: return "auto";
  }
  return "?";
}

namespace {
bool& current_fusion() {
  static bool on = [] {
    const char* env = std::getenv("MINICNN_FUSE");
    if (!env || !*env) return true;
    const std::string v = env;
    if (v == "0" || v == "1") return v == "1";
    throw std::invalid_argument("MINICNN_FUSE: expected 0 or 1, got '" + v + "'");
  }();
  return on;
}
}  // namespace

bool fusion_enabled() { return current_fusion(); }
void set_fusion_enabled(bool on) { current_fusion() = on; }

ConvAlgorithm parse_conv_algorithm(const std::string& name) {
  for (const ConvAlgorithm a : {ConvAlgorithm::direct, ConvAlgorithm::winograd, ConvAlgorithm::automatic})
    if (name == conv_algorithm_name(a)) return a;
  throw std::invalid_argument("unknown convolution algorithm '" + name + "' (expected direct, winograd or auto)");
}

}  // namespace minicnn
