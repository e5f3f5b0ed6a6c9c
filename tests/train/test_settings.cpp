#include <doctest/doctest.h>

#include "minicnn/optim/adam.hpp"
#include "minicnn/optim/sgd.hpp"
#include "minicnn/train/errors.hpp"
#include "minicnn/train/settings.hpp"

using namespace minicnn;

TEST_CASE("apply_data_defaults: the one place model, optimiser and learning rate follow the data") {
  RunSettings digits;
  apply_data_defaults(digits, DataFormat::idx, {1, 28, 28}, false);
  CHECK(digits.model == "lenet5");
  CHECK(digits.optimizer == "sgd");
  CHECK(digits.lr == kSgdLr);

  RunSettings photos;
  apply_data_defaults(photos, DataFormat::folder, {3, 32, 32}, false);
  CHECK(photos.model == "convnet-rgb");
  CHECK(photos.optimizer == "adam");
  CHECK(photos.lr == kAdamLr);
  CHECK(kAdamLr == 1e-3f);

  RunSettings big_idx;  // IDX data that is not 28x28 digits: SGD, but not lenet5
  apply_data_defaults(big_idx, DataFormat::idx, {1, 32, 32}, false);
  CHECK(big_idx.model == "convnet-rgb");
  CHECK(big_idx.optimizer == "sgd");

  RunSettings chosen;  // what the caller chose stays
  chosen.model = "resnet-mini", chosen.optimizer = "adamw", chosen.lr = 0.3f;
  apply_data_defaults(chosen, DataFormat::cifar10, {3, 32, 32}, /*lr_given=*/true);
  CHECK(chosen.model == "resnet-mini");
  CHECK(chosen.optimizer == "adamw");
  CHECK(chosen.lr == 0.3f);
}

TEST_CASE("the settings table: defaults, JSON round trip, and what a checkpoint must hold") {
  const RunSettings defaults;
  CHECK(defaults.lr == kSgdLr);
  CHECK(defaults.epochs == 3);
  CHECK(defaults.threads == 0);
  RunSettings s;
  s.epochs = 9, s.lr = 0.25f, s.augment = "flip", s.seed = 42, s.nesterov = true, s.lr_changes = "10:0.5";
  const nlohmann::json j = settings_to_json(s);
  CHECK(!j.contains("model"));  // not stored: fixed by the checkpoint's spec
  CHECK(j.contains("lr_changes"));
  RunSettings back;
  settings_from_json(back, j);
  CHECK(settings_to_json(back) == j);

  nlohmann::json old = j;
  old.erase("sync_batchnorm");  // newer than old checkpoints: keeps its value
  CHECK_NOTHROW(settings_from_json(back, old));
  old.erase("batch_size");
  CHECK_THROWS_AS(settings_from_json(back, old), nlohmann::json::exception);
  CHECK_NOTHROW(settings_from_json(back, old, /*only_present=*/true));

  for (const auto& info : run_settings_table()) {
    CHECK(info.flag == "--" + [&] { std::string f = info.key; for (char& c : f) c = c == '_' ? '-' : c; return f; }());
    if (info.fixed && info.key != "model" && info.key != "dataset" && info.key != "normalize") CHECK(info.stored);
  }
}

TEST_CASE("check_settings refuses bad combinations as usage errors") {
  RunSettings s;
  CHECK_NOTHROW(check_settings(s));
  s.nesterov = true, s.momentum = 0;
  CHECK_THROWS_AS(check_settings(s), UsageError);
  s = RunSettings{};
  s.augment = "rotate";
  CHECK_THROWS_WITH_AS(check_settings(s), doctest::Contains("--augment"), UsageError);
  CHECK(exit_code_of(std::make_exception_ptr(UsageError("x"))) == kExitUsage);
  CHECK(exit_code_of(std::make_exception_ptr(std::runtime_error("x"))) == kExitError);
}

TEST_CASE("make_optimizer and make_schedule build what the settings name, once") {
  Parameter w{Tensor::from_shape({2}), Tensor::from_shape({2})};
  NamedParameters params{{"w", &w}};
  RunSettings s;
  s.optimizer = "sgd";
  CHECK(dynamic_cast<SGD*>(make_optimizer(s, params).get()));
  s.optimizer = "adamw", s.lr = kAdamLr;
  const auto adam = make_optimizer(s, params);
  CHECK(dynamic_cast<Adam*>(adam.get()));
  CHECK(adam->lr() == kAdamLr);

  s.lr_schedule = "step", s.lr_step = 2, s.lr_gamma = 0.5f, s.epochs = 6, s.lr = 0.2f, s.lr_changes = "5:0.5";
  const LrSchedule sch = make_schedule(s);
  CHECK(sch.base_lr == 0.2f);
  CHECK(sch.epochs == 6);
  CHECK(sch.at(2, 0, 10) == doctest::Approx(0.2f * 0.5f * 0.5f));  // epoch 2: one decay, and the x0.5 from batch 5 on
  s.lr_changes = "5:zero";
  CHECK_THROWS_WITH_AS(make_schedule(s), doctest::Contains("--lr-changes"), UsageError);
}

TEST_CASE("use_threads: the one default for --threads") {
  CHECK(use_threads(2) == 2);
  CHECK(use_threads(0) >= 1);
  use_threads(1);
}
