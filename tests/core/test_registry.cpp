#include "env.hpp"
#include "helpers.hpp"
#include "minicnn/core/memory.hpp"
#include "minicnn/core/registry.hpp"

#include <tuple>

using namespace minicnn;
using namespace minicnn::test;

TEST_CASE("Specs build the models they describe") {
  manual_seed(1);
  auto m = build_model("conv 6 5 pad=2, relu, maxpool 2, flatten, linear 10", {1, 28, 28});
  REQUIRE(m->size() == 5);
  CHECK(m->output_shapes({1, 28, 28}).back() == Shape{10});
  CHECK((*m)[0].name() == "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))");
  CHECK((*m)[4].name() == "Linear(in_features=1176, out_features=10, bias=True)");
  auto opts = build_model("CONV 4 3x5 stride=2 pad=1x2 dilation=2 groups=2 bias=0, avgpool 2 stride=1, flatten, linear 3 bias=false",
                          {2, 12, 13});
  CHECK((*opts)[0].name() == "Conv2d(2, 4, kernel_size=(3, 5), stride=(2, 2), padding=(1, 2), dilation=(2, 2), groups=2, bias=False)");
  CHECK((*opts)[1].name() == "AvgPool2d(kernel_size=2, stride=1)");
}

TEST_CASE("Presets, and spec() gives back a spec that rebuilds the same model") {
  for (const std::string preset : {"lenet5", "small"}) {
    CAPTURE(preset);
    auto m = build_model(preset, {1, 28, 28});
    CHECK(m->spec() == expand_preset(preset));
    auto again = build_model(m->spec(), {1, 28, 28});
    CHECK(again->name() == m->name());
    CHECK(m->output_shapes({1, 28, 28}).back() == Shape{10});
  }
  CHECK(build_model("lenet5", {1, 28, 28})->num_parameters() == 61706);  // as torch counts LeNet-5
  CHECK(build_model("small", {1, 28, 28})->num_parameters() == 208 + 3216 + 2570);
  // The residual presets, each for its input; counts as torch counts the same modules.
  for (const auto& [preset, input, params] : {std::tuple<std::string, Shape, std::size_t>{"resnet-mini", {3, 32, 32}, 175258},
                                              {"resnet-mini-gray", {1, 28, 28}, 77754}}) {
    CAPTURE(preset);
    auto m = build_model(preset, input, 7);
    CHECK(m->spec() == expand_preset(preset, 7));
    CHECK(build_model(m->spec(), input)->name() == m->name());
    CHECK(m->output_shapes(input).back() == Shape{7});
    CHECK(build_model(preset, input)->num_parameters() == params);
  }
  auto mini = build_model("resnet-mini", {3, 32, 32});
  CHECK(mini->output_shapes({3, 32, 32}).at(8) == Shape{64, 8, 8});  // after the third stage
  CHECK(dynamic_cast<Residual&>((*mini)[5]).shortcut() != nullptr);  // stage 2's first block projects
  CHECK(dynamic_cast<Residual&>((*mini)[6]).shortcut() == nullptr);
  auto odd = build_model("conv 3 3x2 stride=2x1 pad=1 dilation=2, maxpool 2 stride=1x2, flatten, linear 4 bias=0", {2, 9, 8});
  CHECK(build_model(odd->spec(), {2, 9, 8})->name() == odd->name());
}

TEST_CASE("Bad specs give errors naming the item") {
  const Shape in{1, 28, 28};
  auto fails = [&](const std::string& spec, const std::string& msg) {
    CAPTURE(spec);
    CHECK_THROWS_WITH_AS(build_model(spec, in), contains(msg), std::invalid_argument);
  };
  fails("", "model spec is empty");
  fails("conv 6 5, , relu", "spec item 2 is empty (two commas in a row?)");
  fails("convv 6 5", "spec item 1 'convv 6 5': unknown layer type 'convv'; did you mean 'conv'? (known: adaptiveavgpool, avgpool, ");
  fails("lenet", "unknown model 'lenet'; did you mean 'lenet5'? (presets: lenet5, small, convnet-rgb, resnet-mini, "
                 "resnet-mini-gray; see 'minicnn models'");
  fails("resnet-mini-grey", "unknown model 'resnet-mini-grey'; did you mean 'resnet-mini-gray'?");
  fails("xyzzy", "unknown model 'xyzzy' (presets: lenet5,");
  fails("conv 6", "spec item 1 'conv 6': expected 2 values after 'conv', got 1");
  fails("conv six 5", "spec item 1 'conv six 5': output channels must be a whole number from 1 to 65536, got 'six'");
  fails("conv 6 0", "kernel size must be N or HxW with whole numbers from 1 to 65536, got '0'");
  fails("conv 6 5 padd=2", "spec item 1 'conv 6 5 padd=2': unknown option 'padd' (usage: conv OUT K [stride=S] [pad=P]");
  fails("conv 6 5 pad=-1", "pad must be N or HxW with whole numbers from 0 to 65536, got '-1'");
  fails("conv 6 5 pad=1 pad=2", "option 'pad' given twice");
  fails("conv 6 5 bias=maybe", "bias must be 0, 1, true or false, got 'maybe'");
  fails("relu 3", "spec item 1 'relu 3': expected 0 values after 'relu', got 1");
  fails("conv 6 5, linear 10", "spec item 2 'linear 10': needs a flat input (F), got (6, 24, 24); put 'flatten' before it");
  fails("flatten, conv 6 5", "spec item 2 'conv 6 5': needs an image input (C, H, W), got (784)");
  fails("conv 6 29", "spec item 1 'conv 6 29': Conv2d(1, 6, kernel_size=(29, 29), stride=(1, 1)): input (1, 1, 28, 28) is too small");
  fails("conv 6 5 groups=4", "spec item 1 'conv 6 5 groups=4': Conv2d: in_channels (1) and out_channels (6) must both be divisible by groups (4)");
  {
    // The per-layer limit follows the memory limit (core/memory.hpp): 256 MiB / 16 bytes a weight.
    ScopedEnv limit("MINICNN_MAX_MEMORY", "256M");
    fails("flatten, linear 65536", "spec item 2 'linear 65536': a 784 -> 65536 layer is over the limit of 16777216 weights "
                                   "per layer, 16 bytes each in training, for the memory limit of 256 MiB (MINICNN_MAX_MEMORY=256M; "
                                   "set MINICNN_MAX_MEMORY, e.g. MINICNN_MAX_MEMORY=1G, to raise it)");
  }
  fails(std::string(20000, 'x'), "model spec is 20000 characters long; the limit is 16384");
  // Found by fuzzing (scripts/fuzz.sh): the second layer's im2col columns would have needed 7.1 GB.
  fails("conv 7 5 pad=122, conv 4 122, relu", "spec item 2 'conv 4 122': its output (147x147) and im2col columns need more than");
  // Shapes come from output_shape, which computes nothing: concats that double the channels each
  // time are stopped at the first output over the limit, long before the count could wrap.
  std::string doubling = "cat[relu][relu]";
  for (int i = 0; i < 40; ++i) doubling += ", cat[relu][relu]";
  fails(doubling, "spec item 17 'cat[relu][relu]': its output (131072, 28, 28) is over the limit of 67108864 values per image");
}

TEST_CASE("An input shape too large to probe is refused before any allocation") {
  CHECK_THROWS_WITH_AS(build_model("relu", {65536, 65536, 65536}),
                       "build_model: input shape (65536, 65536, 65536) holds more than 67108864 values per sample",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(build_model("relu", {0, 3}), doctest::Contains("has a size outside 1..65536"), std::invalid_argument);
}

TEST_CASE("Registering a layer type twice is refused") {
  CHECK_THROWS_WITH_AS(register_layer({"relu", "relu", [](const LayerArgs&, const Shape&) { return std::make_unique<ReLU>(); }}),
                       "register_layer: layer type 'relu' is already registered", std::logic_error);
  CHECK(layer_types().count("conv") == 1);
}

TEST_CASE("parse_spec reads blocks, paths and options, and names the item of every error") {
  const auto items = parse_spec("conv 16 3 pad=1, res[conv 16 3, relu, seq[relu]](conv 16 1 stride=2) post=relu, FLATTEN");
  REQUIRE(items.size() == 3);
  CHECK(items[0].type == "conv");
  CHECK(items[0].positional == std::vector<std::string>{"16", "3"});
  CHECK(items[0].named == std::vector<std::pair<std::string, std::string>>{{"pad", "1"}});
  const SpecItem& res = items[1];
  CHECK(res.type == "res");
  CHECK(res.path == "2");
  CHECK(res.named == std::vector<std::pair<std::string, std::string>>{{"post", "relu"}});
  REQUIRE(res.blocks.size() == 2);
  REQUIRE(res.blocks[0].size() == 3);
  CHECK(res.blocks[0][1].path == "2.2");
  CHECK(res.blocks[0][1].text == "relu");
  CHECK(res.blocks[0][2].blocks.at(0).at(0).path == "2.3.1");
  CHECK(res.blocks[1].at(0).path == "2.shortcut.1");
  CHECK(res.blocks[1].at(0).named.at(0).second == "2");
  CHECK(items[2].type == "flatten");

  auto fails = [](const std::string& spec, const std::string& msg) {
    CAPTURE(spec);
    CHECK_THROWS_WITH_AS(parse_spec(spec), contains(msg), SpecError);
  };
  fails("res[conv 4 3, relu", "model spec: '[' is never closed");
  fails("res[conv 4 3]], relu", "model spec: unbalanced ']' at character 14");
  fails("res[conv 4 3)", "unbalanced ')' at character 13 (the last open bracket is '[')");
  fails("res[]", "spec item 1 'res[]': [...]: the block is empty; give at least one layer");
  fails("relu, res[conv 4 3, , relu]", "spec item 2.2 is empty (two commas in a row?)");
  fails("res[relu](relu, )", "spec item 1.shortcut.2 is empty");
  fails("res(relu)", "spec item 1 'res(relu)': a round-bracket block must follow a square-bracket one");
  fails("res[relu] post=relu [x]", "brackets may only follow the type word");
  fails("res[res[res[res[res[res[res[res[res[relu]]]]]]]]]", "blocks are nested more than 8 deep");
}

TEST_CASE("A layer that takes no block refuses one, naming the item") {
  CHECK_THROWS_WITH_AS(build_model("relu[relu]", {1, 4, 4}), "spec item 1 'relu[relu]': 'relu' takes no [...] block",
                       SpecError);
  CHECK_THROWS_WITH_AS(build_model("flatten, linear[relu] 3", {1, 4, 4}),
                       "spec item 2 'linear[relu] 3': 'linear' takes no [...] block", SpecError);
}
