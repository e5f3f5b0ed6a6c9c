#include <doctest/doctest.h>

#include "minicnn/core/init.hpp"
#include "minicnn/core/registry.hpp"
#include "minicnn/train/errors.hpp"
#include "minicnn/train/settings.hpp"
#include "minicnn/train/transfer.hpp"

using namespace minicnn;

namespace {

// The model of spec as a source to start from, its tensors copied.
SourceModel source_of(const std::string& spec, const Shape& input, std::vector<std::string> classes) {
  manual_seed(7);
  auto model = build_model(spec, input);
  SourceModel s;
  s.path = "source.npz", s.spec = model->spec(), s.input_shape = input, s.classes = std::move(classes);
  for (auto& [n, p] : model->parameters()) s.tensors.emplace_back(n, p->value);
  for (auto& [n, b] : model->buffers()) s.tensors.emplace_back(n, *b);
  return s;
}

Tensor tensor_of(const SourceModel& s, const std::string& name) {
  for (const auto& [n, t] : s.tensors)
    if (n == name) return t;
  FAIL("no tensor " << name);
  return {};
}

bool frozen(Sequential& m, const std::string& name) {
  for (auto& [n, p] : m.parameters())
    if (n == name) return p->frozen;
  FAIL("no parameter " << name);
  return false;
}

}  // namespace

TEST_CASE("freeze_until: every parameter up to and including the path, in depth-first order, and no further") {
  const Shape in{1, 8, 8};
  auto m = build_model("conv 4 3 pad=1, relu, res[conv 4 3 pad=1, relu, conv 4 3 pad=1](conv 4 1) post=relu, flatten, linear 3", in);
  const FreezeCounts c = freeze_until(*m, "2.body.0");
  CHECK(frozen(*m, "0.weight"));
  CHECK(frozen(*m, "0.bias"));
  CHECK(frozen(*m, "2.body.0.weight"));
  CHECK_FALSE(frozen(*m, "2.body.2.weight"));  // the rest of the enclosing block trains
  CHECK_FALSE(frozen(*m, "2.shortcut.0.weight"));
  CHECK_FALSE(frozen(*m, "4.weight"));
  CHECK(c.frozen == (4 * 1 * 9 + 4) + (4 * 4 * 9 + 4));
  CHECK(c.trainable == (4 * 4 * 9 + 4) + (4 * 4 + 4) + (3 * 256 + 3));
  CHECK(c.first == "0");
  CHECK(c.last == "2.body.0");

  auto whole = build_model("conv 4 3 pad=1, relu, res[conv 4 3 pad=1, relu, conv 4 3 pad=1](conv 4 1) post=relu, flatten, linear 3", in);
  freeze_until(*whole, "2");  // a block: all of it
  CHECK(frozen(*whole, "2.shortcut.0.weight"));
  CHECK_FALSE(frozen(*whole, "4.weight"));
  CHECK_THROWS_WITH_AS(freeze_until(*whole, "2.body.7"),
                       "--freeze-until 2.body.7: the model has no layer at this path (its top-level layers are 0 to 4; "
                       "'minicnn summary --model MODEL' lists every path)",
                       UsageError);
  CHECK_THROWS_WITH_AS(freeze_until(*whole, "4"),
                       "--freeze-until 4: freezes every parameter of the model, so there is nothing left to train", UsageError);
}

TEST_CASE("transfer_model: the source's weights, a fresh head for the data's classes, or the head kept for the same classes") {
  const std::string spec = "conv 4 3 pad=1, batchnorm, relu, maxpool 2, flatten, linear 5";
  const Shape in{3, 8, 8};
  SourceModel src = source_of(spec, in, {"a", "b", "c", "d", "e"});
  const Tensor conv_w = tensor_of(src, "0.weight"), mean = tensor_of(src, "1.running_mean");
  Transfer t = transfer_model(src, in, {"cat", "dog"}, 0);
  CHECK(t.head_path == "5");
  CHECK(t.old_head == "Linear(in_features=64, out_features=5, bias=True)");
  CHECK(t.new_head == "Linear(in_features=64, out_features=2, bias=True)");
  CHECK(t.spec == "conv 4 3 pad=1, batchnorm, relu, maxpool 2, flatten, linear 2");
  auto params = t.model->parameters();
  CHECK(params[0].second->value == conv_w);
  CHECK(*t.model->buffers()[0].second == mean);
  CHECK(params.back().second->value.shape() == Shape{2});

  Transfer same = transfer_model(src, in, {"a", "b", "c", "d", "e"}, 0);
  CHECK(same.new_head.empty());
  CHECK(same.spec == src.spec);
  CHECK(same.model->parameters().back().second->value == tensor_of(src, "5.bias"));

  CHECK_THROWS_WITH_AS(transfer_model(src, in, {"cat", "dog"}, 3),
                       "--new-head 3: the data has 2 classes (cat, dog); the new head has one output per class", UsageError);
  // At another input size a fresh head takes the new number of features; a kept one cannot.
  CHECK(transfer_model(src, {3, 12, 12}, {"cat", "dog"}, 0).new_head == "Linear(in_features=144, out_features=2, bias=True)");
  CHECK_THROWS_WITH_AS(transfer_model(src, {3, 12, 12}, {"a", "b", "c", "d", "e"}, 0),
                       "--from source.npz: tensor '5.weight' is (5, 64) there but (5, 144) for inputs (3, 12, 12) (the model was "
                       "made for (3, 8, 8); leave out --image-size to resize the data to that)",
                       UsageError);
  SourceModel no_head = source_of("conv 4 3 pad=1, relu, globalavgpool", {3, 8, 8}, {});
  CHECK_THROWS_WITH_AS(transfer_model(no_head, in, {"cat", "dog"}, 0),
                       "--from source.npz: the model's last layer with weights, 0 (Conv2d(3, 4, kernel_size=(3, 3), stride=(1, 1), "
                       "padding=(1, 1))), is not a classifier --new-head can replace: a Conv2d head must be 1x1 with stride 1, no "
                       "padding, no dilation and no groups, as SqueezeNet's",
                       UsageError);
  SourceModel squeeze = source_of("conv 4 3 pad=1, relu, conv 6 1, relu, globalavgpool, flatten", in, {});
  Transfer sq = transfer_model(squeeze, {3, 16, 16}, {"cat", "dog"}, 2);  // fully convolutional: any input size
  CHECK(sq.spec == "conv 4 3 pad=1, relu, conv 2 1, relu, globalavgpool, flatten");
}

TEST_CASE("--from, --new-head and --freeze-until: the combinations check_settings refuses, and freeze_until in checkpoints only when set") {
  RunSettings s;
  s.new_head = 2;
  CHECK_THROWS_WITH_AS(check_settings(s), "--new-head replaces the classifier of the model given with --from; add --from MODEL", UsageError);
  s.from = "m.npz", s.model = "lenet5";
  CHECK_THROWS_WITH_AS(check_settings(s),
                       "--from and --model both say which model to train: --from starts from a trained one, --model builds a new one",
                       UsageError);
  RunSettings plain;
  CHECK_FALSE(settings_to_json(plain).contains("freeze_until"));  // a run without it writes what it wrote before
  plain.freeze_until = "3";
  CHECK(settings_to_json(plain).at("freeze_until") == "3");
  RunSettings back;
  settings_from_json(back, settings_to_json(RunSettings{}));
  CHECK(back.freeze_until.empty());
}
