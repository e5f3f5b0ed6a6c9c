// ONNX export and import in-process: every layer type through export -> import with the same
// outputs, what each side refuses, and hostile files built with the ONNX protobuf classes. (The
// files are also checked by the real ONNX tools: tests/cli/onnx_runtime_test.sh runs onnx.checker
// and onnxruntime on them, tests/cli/onnx_torch_test.sh imports torch.onnx.export's.)
#include <onnx/onnx_pb.h>

#include "env.hpp"
#include "files.hpp"
#include "helpers.hpp"
#include "minicnn/core/memory.hpp"
#include "minicnn/core/text.hpp"
#include "minicnn/io/onnx.hpp"

using namespace minicnn;
using namespace minicnn::test;

namespace {

struct OnnxCase {
  std::string spec;
  Shape input;
};

// One entry per registered layer type, each a small model the importer can read back (so Linear
// comes after a Flatten, GlobalAvgPool2d feeds a Linear).
const std::map<std::string, OnnxCase>& cases() {
  static const std::map<std::string, OnnxCase> c{
      {"conv", {"conv 4 3x2 stride=2x1 pad=1x0 dilation=2x1 groups=2, conv 3 1 bias=0", {2, 9, 8}}},
      {"linear", {"flatten, linear 5, linear 3 bias=0", {2, 3, 3}}},
      {"relu", {"relu", {2, 3, 3}}},
      {"leakyrelu", {"leakyrelu slope=0.2", {2, 3, 3}}},
      {"tanh", {"tanh", {2, 3, 3}}},
      {"sigmoid", {"sigmoid", {2, 3, 3}}},
      {"maxpool", {"maxpool 2 stride=1, maxpool 3x2", {2, 7, 6}}},
      {"avgpool", {"avgpool 2, avgpool 2x1 stride=1", {2, 6, 4}}},
      {"globalavgpool", {"globalavgpool, linear 3", {3, 3, 2}}},
      {"adaptiveavgpool", {"adaptiveavgpool 3, adaptiveavgpool 1, flatten", {2, 7, 7}}},  // AveragePool, GlobalAveragePool
      {"hardtanh", {"hardtanh min=-0.5 max=0.7", {2, 3, 3}}},
      {"relu6", {"relu6", {2, 3, 3}}},
      {"pad", {"pad 1x0x2x1 value=0.5, conv 2 3, pad 1", {2, 4, 4}}},
      {"flatten", {"flatten", {2, 3, 2}}},
      {"dropout", {"conv 2 1, dropout p=0.3, relu", {2, 3, 3}}},
      {"batchnorm", {"batchnorm eps=0.001 momentum=0.2", {3, 3, 2}}},
      {"res", {"conv 3 3 pad=1, res[conv 3 3 pad=1, batchnorm, relu, conv 3 3 pad=1] post=relu, "
               "res[conv 4 3 stride=2 pad=1 bias=0, batchnorm](conv 4 1 stride=2, batchnorm), res[tanh, res[sigmoid]]",
               {2, 5, 5}}},
      {"seq", {"seq[conv 3 3 pad=1, seq[relu, maxpool 2]], flatten, linear 2", {1, 4, 4}}},
      // A Fire module, then an Inception-like block with a residual and a concat inside branches.
      {"cat", {"conv 3 1, relu, cat[conv 2 1, relu][conv 3 3 pad=1, relu], "
               "cat[conv 2 1 bias=0, batchnorm][res[conv 5 3 pad=1, tanh]][conv 2 1, cat[relu][sigmoid][conv 1 3 pad=1]], "
               "globalavgpool, linear 2",
               {2, 5, 5}}},
  };
  return c;
}

// Random weights and BatchNorm statistics, so a tensor loaded into the wrong place shows.
void randomize(Sequential& model, std::uint64_t seed) {
  std::uint64_t s = seed;
  auto shape = [](const Tensor& t) { return Shape(t.shape().begin(), t.shape().end()); };
  for (auto& [n, p] : model.parameters()) p->value = randn(shape(p->value), ++s, 0.5f);
  for (auto& [n, b] : model.buffers())
    if (n.find("running_var") != std::string::npos) *b = xt::abs(randn(shape(*b), ++s)) + 0.5f;
    else if (n.find("running_mean") != std::string::npos) *b = randn(shape(*b), ++s);
}

Tensor batch_of(const Shape& sample, std::uint64_t seed) {
  Shape shape{3};
  shape.insert(shape.end(), sample.begin(), sample.end());
  return randn(shape, seed);
}

onnx::ModelProto parse(const std::string& bytes) {
  onnx::ModelProto m;
  REQUIRE(m.ParseFromString(bytes));
  return m;
}

// The error parse_onnx gives for a model (or "" if it imports).
std::string import_error(const std::string& bytes) {
  try {
    parse_onnx(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), "m.onnx");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}
std::string import_error(const onnx::ModelProto& m) { return import_error(m.SerializeAsString()); }

// A small exported model to damage: conv, relu, flatten, linear, with the normalisation in front.
onnx::ModelProto small_model() {
  manual_seed(1);
  auto model = build_model("conv 2 3, relu, flatten, linear 3", {1, 5, 5});
  OnnxExportOptions o;
  o.mean = {0.5f};
  o.std = {0.25f};
  return parse(onnx_bytes(*model, {1, 5, 5}, o));
}

// The error names what it should (printed in full when it does not).
#define CHECK_ERROR(error, part)                                   \
  do {                                                             \
    const std::string e_ = (error);                                \
    CHECK_MESSAGE(e_.find(part) != std::string::npos, "error: " << e_); \
  } while (0)

onnx::NodeProto& node_of(onnx::ModelProto& m, const std::string& op) {
  for (auto& n : *m.mutable_graph()->mutable_node())
    if (n.op_type() == op) return n;
  FAIL("no " << op << " node");
  throw;
}

}  // namespace

TEST_CASE("Every registered layer type has an ONNX export/import case") {
  std::vector<std::string> missing;
  for (const auto& [word, type] : layer_types())
    if (!cases().count(word)) missing.push_back(word);
  CHECK_MESSAGE(missing.empty(), "no case in tests/io/test_onnx.cpp for: " << join(missing));
}

TEST_CASE("Every layer type exports to ONNX and imports back with the same outputs") {
  for (const auto& [word, c] : cases()) {
    CAPTURE(c.spec);
    manual_seed(3);
    auto model = build_model(c.spec, c.input);
    randomize(*model, 11);
    model->eval();
    const std::string bytes = onnx_bytes(*model, c.input);
    OnnxImport back = parse_onnx(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), "m.onnx");
    CHECK(back.input_shape == c.input);
    CHECK(back.opset == kOnnxOpset);
    CHECK(back.mean.empty());
    back.model->eval();
    const Tensor x = batch_of(c.input, 5);
    const Tensor expected = model->forward(x);
    CHECK(max_abs_diff(back.model->forward(x), expected) <= 1e-6f);
    if (word == "dropout") CHECK(back.spec.find("dropout") == std::string::npos);  // the identity at inference
    if (word == "res") CHECK(back.model->spec() == model->spec());  // the blocks come back as they were
  }
}

TEST_CASE("A residual model's blocks, a nested Sequential's layers and the normalisation come back") {
  manual_seed(2);
  auto model = build_model("conv 4 3 pad=1, seq[batchnorm, relu], res[conv 4 3 pad=1, relu](conv 4 1) post=relu, "
                           "globalavgpool, linear 3", {3, 6, 6});
  randomize(*model, 4);
  OnnxExportOptions o;
  o.mean = {0.4f, 0.5f, 0.6f};
  o.std = {0.2f, 0.25f, 0.3f};
  o.classes = {"cat", "dog", "bird"};
  o.dataset = "folder";
  const std::string bytes = onnx_bytes(*model, {3, 6, 6}, o);
  const OnnxImport back = parse_onnx(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), "m.onnx");
  CHECK(back.spec == "conv 4 3 pad=1, batchnorm, relu, res[conv 4 3 pad=1, relu](conv 4 1) post=relu, globalavgpool, linear 3");
  CHECK(back.mean == o.mean);
  CHECK(back.std == o.std);
  CHECK(back.classes == o.classes);
  CHECK(back.metadata.at("dataset") == "folder");
  CHECK(back.producer == "minicnn");
  CHECK(back.notes.empty());
  // The same tensors under the same names (the nested Sequential's "1.0.weight" becomes "1.weight").
  auto theirs = back.model->parameters();
  auto ours = model->parameters();
  REQUIRE(theirs.size() == ours.size());
  for (std::size_t i = 0; i < ours.size(); ++i) CHECK(bit_identical(theirs[i].second->value, ours[i].second->value));
}

TEST_CASE("The exported graph: Sub/Div in front, named initializers, dynamic batch, metadata") {
  manual_seed(1);
  auto model = build_model("conv 2 3, relu, maxpool 2, flatten, linear 3", {1, 8, 8});
  OnnxExportOptions o;
  o.mean = {0.1307f};
  o.std = {0.3081f};
  o.classes = {"a", "b", "c"};
  o.softmax = true;
  const onnx::ModelProto m = parse(onnx_bytes(*model, {1, 8, 8}, o));
  std::vector<std::string> ops;
  for (const auto& n : m.graph().node()) ops.push_back(n.op_type());
  CHECK(join(ops) == "Sub, Div, Conv, Relu, MaxPool, Flatten, Gemm, Softmax");
  CHECK(m.opset_import(0).version() == 13);
  CHECK(m.graph().input(0).type().tensor_type().shape().dim(0).dim_param() == "N");
  CHECK(m.graph().output(0).name() == "probabilities");
  std::vector<std::string> inits;
  for (const auto& t : m.graph().initializer()) inits.push_back(t.name());
  CHECK(join(inits) == "normalize.mean, normalize.std, 0.weight, 0.bias, 4.weight, 4.bias");
  CHECK(m.doc_string().find("raw pixels scaled to [0, 1]") != std::string::npos);
  bool classes = false;
  for (const auto& p : m.metadata_props()) classes = classes || (p.key() == "classes" && p.value() == R"(["a","b","c"])");
  CHECK(classes);
}

TEST_CASE("Export refuses a layer with no operator, and options that do not fit the model") {
  struct Square final : Layer {
    const Tensor& forward(const Tensor& x) override { return y_ = x * x; }
    const Tensor& backward(const Tensor& dy) override { return dy; }
    std::string name() const override { return "Square()"; }
    Tensor y_;
  };
  Sequential model;
  model.add<Conv2d>(1, 2, 3);
  model.add<Square>();
  CHECK_THROWS_WITH_AS(onnx_bytes(model, {1, 5, 5}), contains("layer 1 Square() has no ONNX operator"), std::invalid_argument);
  auto ok = build_model("flatten, linear 3", {1, 2, 2});
  OnnxExportOptions o;
  o.classes = {"a", "b"};
  CHECK_THROWS_WITH_AS(onnx_bytes(*ok, {1, 2, 2}, o), contains("2 class names for a model whose output is (3)"), std::invalid_argument);
  o.classes.clear();
  o.mean = {0.f, 0.f};
  o.std = {1.f, 1.f};
  CHECK_THROWS_WITH_AS(onnx_bytes(*ok, {1, 2, 2}, o), contains("one value, or one per channel"), std::invalid_argument);
}

TEST_CASE("Import refuses operators and attributes it has no layer for, naming the node") {
  onnx::ModelProto m = small_model();
  node_of(m, "Relu").set_op_type("Elu");
  CHECK(import_error(m) == "m.onnx: node '1' (Elu): minicnn has no layer for this operator (it reads Add, AveragePool, "
                           "BatchNormalization, Clip, Concat, Constant, Conv, Div, Dropout, Flatten, Gather, Gemm, "
                           "GlobalAveragePool, Identity, LeakyRelu, MatMul, MaxPool, Pad, Relu, Reshape, Shape, Sigmoid, "
                           "Softmax, Sub, Tanh, Transpose, Unsqueeze)");
  m = small_model();
  auto* pads = node_of(m, "Conv").mutable_attribute();
  for (auto& a : *pads)
    if (a.name() == "pads") a.set_ints(2, -1);  // pads that differ per side import (a pad layer before the conv)
  CHECK_ERROR(import_error(m), "node '0' (Conv): pads [0, 0, -1, 0] must be 4 whole numbers (top, left, bottom, right) from 0 to 65536");
  m = small_model();
  for (auto& a : *node_of(m, "Conv").mutable_attribute())
    if (a.name() == "strides") a.set_type(onnx::AttributeProto::FLOAT);
  CHECK_ERROR(import_error(m), "node '0' (Conv): attribute 'strides' is FLOAT, expected INTS");
  m = small_model();
  node_of(m, "Relu").set_domain("com.example");
  CHECK_ERROR(import_error(m), "node '1' (Relu): is an operator of domain 'com.example'");
}

TEST_CASE("Import refuses graphs that are not a chain of layers from the input: cycles, dangling inputs") {
  onnx::ModelProto m = small_model();
  node_of(m, "Conv").set_input(0, "2");  // the Conv reads the Flatten's output, which comes after it
  CHECK_ERROR(import_error(m), "node '0' (Conv): reads '2' before node '2' (Flatten) writes it: the nodes are out "
                                       "of order or form a cycle");
  m = small_model();
  node_of(m, "Relu").set_input(0, "nowhere");
  CHECK_ERROR(import_error(m), "node '1' (Relu): reads 'nowhere', which no node, initializer or graph input defines");
  m = small_model();
  node_of(m, "Gemm").set_input(1, "3.bias");  // a (3) bias as a (3, 18) weight
  CHECK_ERROR(import_error(m), "node '3' (Gemm): weight (3) (as (out, in)) does not fit its input (18)");
  m = small_model();
  m.mutable_graph()->mutable_output(0)->set_name("0.weight");
  CHECK_ERROR(import_error(m), "its output '0.weight' is not computed from the input by any node");
  m = small_model();
  m.mutable_opset_import(0)->set_version(6);
  CHECK_ERROR(import_error(m), "uses opset 6; minicnn reads opsets 7 to 17");
  // Two nodes that read each other's output: a cycle, refused at the first.
  m = small_model();
  node_of(m, "Conv").set_input(0, "1");
  CHECK_ERROR(import_error(m), "node '0' (Conv): reads '1' before node '1' (Relu) writes it: the nodes are out of order or form a cycle");
}

TEST_CASE("Import checks every tensor's data against its dims, and reads no external data") {
  onnx::ModelProto m = small_model();
  auto* w = m.mutable_graph()->mutable_initializer(2);  // 0.weight (2, 1, 3, 3)
  REQUIRE(w->name() == "0.weight");
  w->set_dims(0, std::int64_t(1) << 31);
  w->set_dims(1, std::int64_t(1) << 31);
  CHECK_ERROR(import_error(m), "initializer '0.weight' declares dims [2147483648, 2147483648, 3, 3], more values "
                                       "than any file can hold");
  w->set_dims(0, 3);
  w->set_dims(1, 1);
  CHECK_ERROR(import_error(m), "initializer '0.weight' has 72 bytes of data, but its dims [3, 1, 3, 3] need 108");
  w->set_dims(0, 2);
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  CHECK_ERROR(import_error(m), "initializer '0.weight' keeps its data in an external file");
}

TEST_CASE("Import refuses damaged bytes and files that would take unbounded memory, with one line each") {
  const std::string good = small_model().SerializeAsString();
  CHECK_ERROR(import_error(good.substr(0, good.size() / 2)), "m.onnx: is not a usable ONNX model: a field claims");
  CHECK(import_error(std::string("\x89PNG\r\n\x1a\n", 8)) == "m.onnx: is not an ONNX file (it starts like a PNG image)");
  CHECK(import_error(std::string("\xff\xd8\xff\xe0\x00\x10JFIF", 10)) == "m.onnx: is not an ONNX file (it starts like a JPEG image)");
  CHECK(import_error(std::string("PK\x03\x04\x14\x00\x00\x00", 8)) ==
        "m.onnx: is not an ONNX file (it starts like a zip archive (a minicnn .npz checkpoint is one))");
  CHECK(import_error("label,pixel0,pixel1\n7,0,0\n") == "m.onnx: is not an ONNX file (it starts like a text file)");
  CHECK(import_error("") == "m.onnx: is empty; expected an ONNX model");
  // graph (field 7) written as a number, not a message: protobuf keeps it as an unknown field
  CHECK(import_error(std::string("\x08\x07\x38\x05\x42\x02\x10\x0d", 8)) == "m.onnx: holds no graph");
  // 4M empty nodes: 8 MB of file, more than a GB of NodeProto objects if parsed
  std::string nodes;
  for (int i = 0; i < 4'000'000; ++i) nodes += std::string("\x0a\x00", 2);
  std::string graph = "\x3a";  // field 7 (graph), length-delimited
  for (std::uint64_t n = nodes.size(); ; n >>= 7) {
    graph += static_cast<char>((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
    if (n < 0x80) break;
  }
  CHECK_ERROR(import_error("\x08\x07" + graph + nodes), "reading it would take more than");
  // graphs nested in attributes 200 deep
  std::string deep;
  for (int i = 0; i < 200; ++i) {
    const std::string attribute = "\x32" + std::string(1, static_cast<char>(deep.size())) + deep;  // AttributeProto.g
    if (attribute.size() > 120) break;
    const std::string node = "\x2a" + std::string(1, static_cast<char>(attribute.size())) + attribute;  // NodeProto.attribute
    deep = "\x0a" + std::string(1, static_cast<char>(node.size())) + node;  // GraphProto.node
  }
  CHECK_ERROR(import_error("\x08\x07\x3a" + std::string(1, static_cast<char>(deep.size())) + deep),
              "messages nested deeper than 32");
}

TEST_CASE("A 2 GB declared tensor and dims whose product overflows are refused before any allocation") {
  onnx::ModelProto m = small_model();
  auto* w = m.mutable_graph()->mutable_initializer(2);  // 0.weight (2, 1, 3, 3)
  REQUIRE(w->name() == "0.weight");
  // dims of 2 GiB of floats, with 8 KiB of data: the data is left in the file and its size checked.
  w->clear_dims();
  w->add_dims(std::int64_t(1) << 29);
  w->set_raw_data(std::string(8192, '\0'));
  CHECK_ERROR(import_error(m), "initializer '0.weight' has 8192 bytes of data, but its dims [536870912] need 2147483648");
  w->clear_dims();
  for (const std::int64_t d : {std::int64_t(1) << 40, std::int64_t(1) << 40, std::int64_t(4)}) w->add_dims(d);
  CHECK_ERROR(import_error(m), "initializer '0.weight' declares dims [1099511627776, 1099511627776, 4], more values than any "
                               "file can hold");
}

TEST_CASE("The memory limit follows MINICNN_MAX_MEMORY, and the error says what it was and how to raise it") {
  const std::string bytes = small_model().SerializeAsString();
  {
    ScopedEnv limit("MINICNN_MAX_MEMORY", "1K");
    CHECK_ERROR(import_error(bytes), "m.onnx: is " + bytes_text(bytes.size()) + ", larger than the memory limit of 1 KiB "
                                     "(MINICNN_MAX_MEMORY=1K; set MINICNN_MAX_MEMORY, e.g. MINICNN_MAX_MEMORY=1G, to raise it)");
  }
  {
    ScopedEnv limit("MINICNN_MAX_MEMORY", "lots");
    CHECK_THROWS_WITH_AS(memory_limit(), "MINICNN_MAX_MEMORY='lots' is not a size; expected bytes or a number with K, M, G or T (e.g. 16G)",
                         std::invalid_argument);
  }
  ScopedEnv limit("MINICNN_MAX_MEMORY", "1.5G");
  CHECK(memory_limit().bytes == (std::uint64_t(3) << 29));
  CHECK(import_error(bytes).empty());
}

TEST_CASE("Weights of 4 KiB or more are read from the file's bytes, straight into the model") {
  manual_seed(3);
  auto model = build_model("conv 8 3 pad=1, relu, flatten, linear 40, linear 5", {3, 8, 8});
  randomize(*model, 5);
  const std::string bytes = onnx_bytes(*model, {3, 8, 8});
  const OnnxImport back = parse_onnx(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), "m.onnx");
  const Tensor x = batch_of({3, 8, 8}, 9);
  CHECK(xt::allclose(back.model->forward(x), model->forward(x), 1e-5, 1e-6));
  // The same from a file, which is mapped rather than read.
  const TempDir dir("onnx-map");
  const std::string path = dir / "m.onnx";
  export_onnx(*model, {3, 8, 8}, path);
  CHECK(xt::allclose(import_onnx(path).model->forward(x), model->forward(x), 1e-5, 1e-6));
}

TEST_CASE("Opsets 7 to 17: BatchNormalization's spatial and training outputs, Flatten's axis, Gemm's alpha") {
  onnx::ModelProto m = small_model();
  m.mutable_opset_import(0)->set_version(9);
  CHECK(import_error(m).empty());
  manual_seed(2);
  auto bn = build_model("batchnorm", {3, 3, 2});
  m = parse(onnx_bytes(*bn, {3, 3, 2}));
  m.mutable_opset_import(0)->set_version(8);
  CHECK(import_error(m).empty());
  auto* spatial = node_of(m, "BatchNormalization").add_attribute();
  spatial->set_name("spatial");
  spatial->set_type(onnx::AttributeProto::INT);
  spatial->set_i(0);
  CHECK_ERROR(import_error(m), "(BatchNormalization): spatial=0 (statistics per activation, not per channel) is not read");
  spatial->set_i(1);
  node_of(m, "BatchNormalization").add_output("saved_mean");
  node_of(m, "BatchNormalization").add_output("saved_var");
  CHECK_ERROR(import_error(m), "(BatchNormalization): was exported in training mode");
  m = small_model();
  onnx::NodeProto& flatten = node_of(m, "Flatten");
  flatten.clear_attribute();
  auto* axis = flatten.add_attribute();
  axis->set_name("axis");
  axis->set_type(onnx::AttributeProto::INT);
  axis->set_i(2);
  CHECK_ERROR(import_error(m), "node '2' (Flatten): axis 2 is not read: only Flatten(axis=1) keeps the samples of a batch apart");
  axis->set_i(-3);
  CHECK(import_error(m).empty());
  m = small_model();
  auto* trans = node_of(m, "Gemm").add_attribute();
  trans->set_name("transA");
  trans->set_type(onnx::AttributeProto::INT);
  trans->set_i(1);
  CHECK_ERROR(import_error(m), "node '3' (Gemm): transA=1 is not read");
}

TEST_CASE("A model that outputs feature maps imports, and so does an MLP on (N, F) inputs") {
  manual_seed(4);
  auto conv = build_model("conv 2 3, relu", {1, 5, 5});
  randomize(*conv, 7);
  const std::string bytes = onnx_bytes(*conv, {1, 5, 5});
  const OnnxImport back = parse_onnx(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), "m.onnx");
  CHECK(back.spec == "conv 2 3, relu");
  const Tensor x = batch_of({1, 5, 5}, 3);
  CHECK(xt::allclose(back.model->forward(x), conv->forward(x), 1e-5, 1e-6));
  // (N, F): the exported LeNet's Gemm, fed straight from a 2-D input.
  onnx::ModelProto m = small_model();
  auto* g = m.mutable_graph();
  auto* shape = g->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
  shape->clear_dim();
  shape->add_dim()->set_dim_param("N");
  shape->add_dim()->set_dim_value(18);
  onnx::NodeProto gemm = node_of(m, "Gemm");
  gemm.set_input(0, g->input(0).name());
  g->clear_node();
  *g->add_node() = gemm;
  g->mutable_output(0)->set_name(gemm.output(0));
  const std::string mlp = m.SerializeAsString();
  const OnnxImport flat = parse_onnx(reinterpret_cast<const std::uint8_t*>(mlp.data()), mlp.size(), "m.onnx");
  CHECK(flat.input_shape == Shape{18});
  CHECK(flat.spec == "linear 3");
}
