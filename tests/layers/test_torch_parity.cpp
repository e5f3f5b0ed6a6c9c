// PyTorch parity of the pooling, padding and clipping layers and of Concat, forward and backward: the test
// pytorch.layer_parity (tests/cli/torch_layers_test.sh) has PyTorch write each case's input, an
// upstream gradient dy, and its output y and input gradient dx (autograd in float64) to a JSON
// file, and runs this test case on it. Without MINICNN_TORCH_CASES it checks nothing.
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "helpers.hpp"
#include "minicnn/io/onnx.hpp"

using namespace minicnn;

namespace {
Tensor tensor_of(const nlohmann::json& shape, const nlohmann::json& values) {
  Tensor t = Tensor::from_shape(shape.get<std::vector<std::size_t>>());
  const auto v = values.get<std::vector<float>>();
  REQUIRE(v.size() == t.size());
  std::copy(v.begin(), v.end(), t.begin());
  return t;
}
// max |a - b| / max(max |b|, 1e-6)
double relative(const Tensor& a, const Tensor& b) {
  double diff = 0, scale = 1e-6;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::abs(static_cast<double>(a.data()[i]) - b.data()[i]));
    scale = std::max(scale, std::abs(static_cast<double>(b.data()[i])));
  }
  return diff / scale;
}
}  // namespace

TEST_CASE("PyTorch parity of pooling, padding and clipping layers (cases from MINICNN_TORCH_CASES)") {
  const char* path = std::getenv("MINICNN_TORCH_CASES");
  if (!path) return;
  std::ifstream in(path);
  REQUIRE(in);
  const nlohmann::json cases = nlohmann::json::parse(in);
  REQUIRE(cases.size() >= 1);
  for (const auto& c : cases) {
    const std::string spec = c["spec"];
    INFO(spec << " on " << c["shape"].dump() << " (PyTorch: " << c["torch"].get<std::string>() << ")");
    const Tensor x = tensor_of(c["shape"], c["x"]);
    const Tensor want_y = tensor_of(c["y_shape"], c["y"]);
    const Tensor dy = tensor_of(c["y_shape"], c["dy"]);
    const Tensor want_dx = tensor_of(c["shape"], c["dx"]);
    auto model = build_model(spec, Shape(x.shape().begin() + 1, x.shape().end()));
    CHECK(model->spec() == spec);
    // PyTorch's pools print every default; the concat is a module of the test's own (torch_layers.py)
    if (spec.rfind("maxpool", 0) != 0 && spec.rfind("avgpool", 0) != 0 && spec.rfind("cat[", 0) != 0)
      CHECK((*model)[0].name() == c["torch"].get<std::string>());
    const Tensor& y = model->forward(x);
    REQUIRE(y.shape() == want_y.shape());
    const double ey = relative(y, want_y);
    const Tensor& dx = model->backward(dy);
    const double edx = relative(dx, want_dx);
    MESSAGE(spec << ": max |y - PyTorch's| " << ey << ", |dx - PyTorch's| " << edx << " of the largest");
    CHECK(ey <= 1e-5);
    CHECK(edx <= 1e-5);
  }
}

// The import half: small models with these layers exported by torch.onnx.export (random weights;
// one graph written with onnx.helper for auto_pad SAME_UPPER/SAME_LOWER, Pad and a min-only Clip),
// imported and run on PyTorch's input: within 1e-5 of the largest of PyTorch's outputs.
TEST_CASE("PyTorch parity of ONNX models with these layers, imported (models from MINICNN_TORCH_MODELS)") {
  const char* path = std::getenv("MINICNN_TORCH_MODELS");
  if (!path) return;
  std::ifstream in(path);
  REQUIRE(in);
  const nlohmann::json models = nlohmann::json::parse(in);
  REQUIRE(models.size() >= 1);
  for (const auto& m : models) {
    INFO(m["name"].get<std::string>());
    OnnxImport imported = import_onnx(m["file"].get<std::string>());
    const Tensor x = tensor_of(m["shape"], m["x"]);
    const Tensor want = tensor_of(m["y_shape"], m["y"]);
    imported.model->eval();
    const Tensor& y = imported.model->forward(x);
    REQUIRE(y.shape() == want.shape());
    const double e = relative(y, want);
    MESSAGE(m["name"].get<std::string>() << ": " << imported.spec << ": max |y - PyTorch's| " << e << " of the largest");
    CHECK(e <= 1e-5);
  }
}
