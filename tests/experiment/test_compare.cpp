// The filter experiment through its library API, as a program other than the command line runs it:
// refusals before any training, the plan, and a tiny experiment on made-up 8x8 images.
#include <nlohmann/json.hpp>

#include "files.hpp"
#include "helpers.hpp"
#include "minicnn/experiment/compare.hpp"
#include "minicnn/io/checkpoint.hpp"

using namespace minicnn;

TEST_CASE("compare: settings it cannot run are refused before any data is read") {
  test::TempDir dir("compare-settings");
  compare::Settings s;
  s.out = dir / "out";
  s.variants = "random,bogus";
  CHECK_THROWS_WITH_AS(compare::check_settings(s), test::contains("--variants: unknown variant 'bogus'"), compare::SettingsError);
  s.variants = ",";
  CHECK_THROWS_WITH_AS(compare::check_settings(s), "--variants names no variant", compare::SettingsError);
  s.variants = "random";
  s.handset = "sobel_x,bogus";
  CHECK_THROWS_WITH_AS(compare::check_settings(s), test::contains("--handset: unknown filter 'bogus'"), compare::SettingsError);
  s.handset = "";

  s.variants = compare::kDefaultVariants;
  CHECK(compare::check_settings(s).size() == 5);
  s.handset_options.scale = filters::HandsetScale::raw;  // the raw variant would repeat handset-frozen
  CHECK(compare::check_settings(s) == std::vector<std::string>{"random", "handset-frozen", "handset-init", "random-frozen"});
  s.variants = "random,random,handset-frozen-raw";  // named on purpose: kept; the repeat is not
  CHECK(compare::check_settings(s) == std::vector<std::string>{"random", "handset-frozen-raw"});
}

TEST_CASE("compare: the plan finds the first conv layer inside a block and refuses one that cannot hold the filters") {
  test::TempDir dir("compare-plan");
  const Dataset train = test::synthetic_dataset(40, 8), test = test::synthetic_dataset(20, 8);
  const compare::Data data{&train, &test, "folder", "made-up", 0};
  compare::Settings s;
  s.out = dir / "out";
  s.model = "seq[conv 4 3, relu], flatten, linear 10";
  s.seeds = 2;
  s.ablation_limit = 5;
  const compare::Experiment e = compare::plan(s, data);
  CHECK(e.conv_path == "0.0");
  CHECK(e.handset.size() == 4);  // one filter per output channel, 3x3 ones for a 3x3 kernel
  CHECK(e.seeds == std::vector<std::uint64_t>{1, 2});
  CHECK(e.ablation.size() == 5);
  CHECK(e.sample.shape() == Shape{1, 1, 8, 8});

  s.model = "conv 4 1, relu, flatten, linear 10";
  CHECK_THROWS_WITH_AS(compare::plan(s, data), test::contains("its kernel is 1x1"), compare::SettingsError);
  s.model = "flatten, linear 10";
  CHECK_THROWS_WITH_AS(compare::plan(s, data), test::contains("--model has no Conv2d layer to compare"), compare::SettingsError);
}

TEST_CASE("compare: a tiny experiment reports its progress, keeps a frozen layer and writes each variant's checkpoint") {
  test::TempDir dir("compare-train");
  const Dataset train = test::synthetic_dataset(40, 8), test = test::synthetic_dataset(20, 8);
  compare::Settings s;
  s.out = dir / "out";
  s.model = "conv 4 3, relu, flatten, linear 10";
  s.variants = "random,handset-frozen";
  s.epochs = 1, s.batch_size = 16, s.seeds = 1, s.ablation_limit = 5;
  const compare::Experiment e = compare::plan(s, {&train, &test, "folder", "made-up", 0});
  std::vector<compare::BatchProgress> batches;
  std::vector<std::string> done;
  compare::Callbacks on;
  on.batch = [&](const compare::BatchProgress& p) { batches.push_back(p); };
  on.variant = [&](const compare::VariantResult& r) { done.push_back(r.name); };
  const auto results = compare::train_variants(e, on);

  REQUIRE(batches.size() == 6);  // 2 variants x 1 seed x 1 epoch x 3 batches of 16
  CHECK(batches.front().variant == "random");
  CHECK(batches.back().variant == "handset-frozen");
  CHECK(batches.back().done == 6);
  CHECK(batches.back().total == 6);
  CHECK(done == std::vector<std::string>{"random", "handset-frozen"});
  REQUIRE(results.size() == 2);
  const compare::SeedRun& frozen = results[1].runs.at(0);
  CHECK(test::bit_identical(frozen.before, frozen.after));
  CHECK(results[1].learned < results[1].total);
  CHECK(frozen.test_accuracy.size() == 1);

  CheckpointInfo info;
  load_model(s.out + "/handset-frozen/model.npz", &info);
  const auto extra = nlohmann::json::parse(info.extra_json);
  CHECK(extra["variant"] == "handset-frozen");
  CHECK(extra["handset_scale"] == "init");
  CHECK(extra["handset_filters"].size() == 4);
  CHECK(extra["training"]["seed"] == 1);
}
