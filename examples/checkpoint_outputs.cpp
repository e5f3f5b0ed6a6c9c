// A checkpoint on a batch of inputs from NumPy: its logits in eval mode and, given labels, the
// gradient of the mean cross-entropy for every parameter in training mode (BatchNorm on the
// batch's statistics), each written as a .npy file. tests/cli/pytorch_test.sh compares them with
// the PyTorch module of README's "Residual models in PyTorch".
//   checkpoint_outputs MODEL.npz INPUTS.npy [LABELS.npy] OUT_DIR
//     INPUTS.npy: float32 (N, C, H, W); LABELS.npy: uint8 (N)
//     writes OUT_DIR/logits.npy (N, classes) and OUT_DIR/grad.<parameter name>.npy
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "minicnn/io/atomic_file.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/io/npy.hpp"
#include "minicnn/minicnn.hpp"

namespace {

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_npy(const std::string& path, const minicnn::Tensor& t) {
  const std::string bytes = minicnn::npy_bytes(t);
  minicnn::write_file_atomic(path, bytes.data(), bytes.size());
}

}  // namespace

int main(int argc, char** argv) try {
  using namespace minicnn;
  if (argc != 4 && argc != 5) {
    std::fprintf(stderr, "usage: checkpoint_outputs MODEL.npz INPUTS.npy [LABELS.npy] OUT_DIR\n");
    return 2;
  }
  const std::string out = argv[argc - 1];
  auto model = load_model(argv[1]);

  const std::string xb = read_bytes(argv[2]);
  const NpyArray xa = parse_npy(reinterpret_cast<const std::uint8_t*>(xb.data()), xb.size(), argv[2]);
  if (xa.descr != "<f4" || xa.shape.size() != 4) throw std::runtime_error(std::string(argv[2]) + ": expected float32 (N, C, H, W)");
  Tensor x = Tensor::from_shape(xa.shape);
  std::memcpy(x.data(), xa.data, xa.bytes);  // parse_npy checked that the sizes agree

  model->eval();
  write_npy(out + "/logits.npy", model->forward(x));

  if (argc == 5) {
    const std::string lb = read_bytes(argv[3]);
    const NpyArray la = parse_npy(reinterpret_cast<const std::uint8_t*>(lb.data()), lb.size(), argv[3]);
    if (la.descr != "|u1" || la.shape != Shape{x.shape(0)}) throw std::runtime_error(std::string(argv[3]) + ": expected uint8 (N)");
    const std::vector<int> labels(la.data, la.data + la.bytes);
    model->train();
    SoftmaxCrossEntropy loss;
    std::printf("loss %.6f\n", static_cast<double>(loss.forward(model->forward(x), labels)));
    model->backward(loss.backward());
    for (auto& [name, p] : model->parameters()) write_npy(out + "/grad." + name + ".npy", p->grad);
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "checkpoint_outputs: %s\n", e.what());
  return 1;
}
