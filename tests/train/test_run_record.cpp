#include <doctest/doctest.h>

#include <cmath>

#include "minicnn/train/run_record.hpp"

using namespace minicnn;

namespace {

// What `minicnn train` wrote into a checkpoint before RunRecord existed (keys sorted, as dump() writes them).
const char* const kTrainJson =
    R"({"classes":["0","1"],"data":"data/mnist","dataset":"mnist","eval_batch_size":1000,)"
    R"("history":[{"epoch":1,"lr":0.0,"test_accuracy":0.9,"test_loss":0.3,"train_accuracy":0.8,"train_loss":0.5}],)"
    R"("image_stats":{"mean_mean":0.1,"mean_std":0.2,"mid_mean":0.3,"mid_std":0.4,"std_mean":0.5,"std_std":0.6},)"
    R"("normalize":{"mean":[0.5],"std":[0.25]},"rng":"1 2 3 4",)"
    R"("training":{"augment":"none","batch_size":64,"batches_done":3,"batches_per_epoch":157,"channels":1,)"
    R"("clip_grad_norm":0.0,"epoch_correct":10,"epoch_loss_sum":2.5,"epoch_seen":12,"epochs":3,"epochs_done":1,)"
    R"("image_size":"28x28","limit":10000,"lr":0.05000000074505806,"lr_changes":"","lr_gamma":0.10000000149011612,)"
    R"("lr_schedule":"cosine","lr_step":1,"momentum":0.8999999761581421,"nesterov":false,"optimizer":"sgd","seed":1,)"
    R"("sync_batchnorm":false,"test_limit":0,"threads":2,"val_split":0.10000000149011612,"weight_decay":0.0}})";

// What `minicnn compare` writes: two settings and keys of its own.
const char* const kCompareJson =
    R"({"classes":["0","1"],"data":"data/mnist","dataset":"mnist","eval_batch_size":1000,"handset_color":"luma",)"
    R"("handset_scale":"init","normalize":null,"training":{"epochs":2,"test_limit":500}})";

}  // namespace

TEST_CASE("RunRecord reads today's checkpoint metadata and writes the same bytes back") {
  for (const char* text : {kTrainJson, kCompareJson}) {
    const auto j = nlohmann::json::parse(text);
    const RunRecord r = RunRecord::from_json(j);
    CHECK(r.to_json().dump() == j.dump());
    CHECK(r.version == 1);
  }
  const RunRecord r = RunRecord::from_json(nlohmann::json::parse(kTrainJson), /*for_resume=*/true);
  CHECK(r.settings.batch_size == 64);
  CHECK(r.settings.lr == 0.05f);
  REQUIRE(r.progress);
  CHECK(r.progress->epochs_done == 1);
  CHECK(r.progress->batches_per_epoch == 157);
  CHECK(r.progress->partial.seen == 12);
  REQUIRE(r.history);
  CHECK(r.history->at(0).test_accuracy == doctest::Approx(0.9));
  CHECK(std::isnan(r.history->at(0).seconds));  // checkpoints keep no timings
  REQUIRE(r.image_stats);
  CHECK(r.image_stats->mid_std == doctest::Approx(0.4));
  CHECK(r.norm.mean == std::vector<float>{0.5f});

  const RunRecord c = RunRecord::from_json(nlohmann::json::parse(kCompareJson));
  CHECK(c.norm.empty());
  CHECK(c.other["handset_scale"] == "init");
  CHECK(c.settings.epochs == 2);
  CHECK(!c.progress);
  std::size_t stored = 0;
  for (const auto& info : run_settings_table()) stored += info.stored;
  CHECK(c.settings_missing.size() == stored - 2);  // it holds only epochs and test_limit

  RunRecord made;  // the same, made as compare makes it
  made.dataset = "mnist", made.data = "data/mnist", made.classes = {"0", "1"}, made.eval_batch_size = 1000;
  made.other = {{"handset_scale", "init"}, {"handset_color", "luma"}};
  made.settings.epochs = 2, made.settings.test_limit = 500;
  made.keep_only_settings({"epochs", "test_limit"});
  CHECK(made.to_json().dump() == nlohmann::json::parse(kCompareJson).dump());
}

TEST_CASE("RunRecord round trip: version, arrays and every field") {
  RunRecord r;
  r.dataset = "folder", r.data = "photos", r.classes = {"cat", "dog"};
  r.norm = {{0.1f, 0.2f, 0.3f}, {0.4f, 0.5f, 0.6f}};
  r.image_stats = ImageStats{1, 2, 3, 4, 5, 6};
  r.eval_batch_size = 80;
  r.has_settings = true;
  r.settings.optimizer = "adam", r.settings.lr = kAdamLr, r.settings.epochs = 7;
  r.progress = TrainingProgress{2, 5, 10, {1.5, 3, 4}};
  r.history = std::vector<EpochMetrics>(1);
  r.history->at(0).epoch = 1, r.history->at(0).lr = 0.001;
  r.rng = "state";
  r.imported_from = ImportSource{"net.onnx", "pytorch", 17};
  r.kernel_history.emplace_back(0, Tensor::from_shape({2, 1, 3, 3}));
  r.kernel_history.emplace_back(1, Tensor::from_shape({2, 1, 3, 3}));
  r.batch_loss = {1.f, 2.f}, r.batch_lr = {0.1f, 0.2f};

  CheckpointInfo info;
  r.write_to(info);
  CHECK(nlohmann::json::parse(info.extra_json).count("version") == 0);  // version 1 writes no key
  REQUIRE(info.arrays.size() == 4);
  CHECK(info.arrays[1].first == "kernels.epoch_1");
  const RunRecord back = RunRecord::read_from(info);
  CHECK(back.to_json().dump() == r.to_json().dump());  // dump: unknown numbers (NaN) are unequal to themselves
  CHECK(back.kernel_history.size() == 2);
  CHECK(back.kernel_history[1].first == 1);
  CHECK(back.batch_lr == r.batch_lr);
  CHECK(back.imported_from->opset == 17);
  CHECK(back.settings.lr == kAdamLr);

  r.version = 2;  // a later format names its version ...
  CHECK(r.to_json().at("version") == 2);
  // ... and this build refuses what it does not know.
  CHECK_THROWS_WITH_AS(RunRecord::from_json(r.to_json()), doctest::Contains("version 2"), std::runtime_error);
}

TEST_CASE("RunRecord for resuming needs what resuming reads") {
  auto j = nlohmann::json::parse(kTrainJson);
  j["training"].erase("epochs_done");
  CHECK_NOTHROW(RunRecord::from_json(j));
  CHECK_THROWS_AS(RunRecord::from_json(j, /*for_resume=*/true), nlohmann::json::exception);
  j = nlohmann::json::parse(kTrainJson);
  j["training"].erase("lr_changes");  // newer than old checkpoints: they resume with none
  const RunRecord r = RunRecord::from_json(j, true);
  CHECK(r.settings.lr_changes.empty());
}
