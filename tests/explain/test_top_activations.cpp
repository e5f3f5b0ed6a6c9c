// Top-activating images against a brute-force ranking of every image, for any batch size and
// thread count; ties go to the lower image index.
#include <nlohmann/json.hpp>

#include "explain/explain_checks.hpp"
#include "helpers.hpp"
#include "minicnn/explain/feature_files.hpp"

using namespace minicnn;
using namespace minicnn::test;

namespace {

// Every image's (activation, y, x) per channel from one forward pass of the whole dataset.
struct Brute {
  std::vector<std::vector<explain::TopActivation>> channels;
};

Brute brute_force(Sequential& model, const Dataset& data, const Normalization& norm, const std::string& layer, std::size_t k) {
  explain::LayerTap tap(model, layer);
  DataLoader all(data, data.size(), false, 0, norm);
  Tensor x;
  std::vector<int> labels;
  all.load_batch(0, x, labels);
  TrainingModeGuard eval(model, false);
  model.forward(x);
  const Tensor& A = tap.output();
  const std::size_t N = A.shape(0), C = A.shape(1), H = A.shape(2), W = A.shape(3);
  Brute b;
  b.channels.resize(C);
  for (std::size_t c = 0; c < C; ++c) {
    std::vector<explain::TopActivation> every;
    for (std::size_t n = 0; n < N; ++n) {
      explain::TopActivation t{c, 0, n, 0, 0, A(n, c, 0, 0), labels[n]};
      for (std::size_t y = 0; y < H; ++y)
        for (std::size_t xx = 0; xx < W; ++xx)
          if (A(n, c, y, xx) > t.activation) t.activation = A(n, c, y, xx), t.y = y, t.x = xx;
      every.push_back(t);
    }
    std::stable_sort(every.begin(), every.end(), [](const auto& p, const auto& q) { return p.activation > q.activation; });
    every.resize(k);
    b.channels[c] = every;
  }
  return b;
}

}  // namespace

TEST_CASE("Top activations equal a brute-force ranking for any batch size and thread count") {
  manual_seed(2);
  auto model = build_model(expand_preset("lenet5", 10), {1, 28, 28});
  const Dataset data = synthetic_dataset(300, 28);  // images i and i + 256 are the same: ties
  const Normalization norm = compute_normalization(data);
  const Brute expect = brute_force(*model, data, norm, "3", 9);
  for (const std::size_t batch : {std::size_t(7), std::size_t(0)})
    for (const int threads : {1, 2}) {
      CAPTURE(batch);
      CAPTURE(threads);
      set_num_threads(threads);
      explain::TopActivationsOptions o;
      o.batch_size = batch;
      std::size_t last_done = 0;
      o.progress = [&](std::size_t done, std::size_t total) { CHECK(total == 300); last_done = done; };
      const auto got = explain::top_activations(*model, data, norm, {"0", "3"}, o);
      CHECK(last_done == 300);
      REQUIRE(got.size() == 2);
      CHECK(got[0].layer == "0");
      CHECK(got[0].output_shape == Shape{6, 28, 28});
      REQUIRE(got[1].channels.size() == 16);
      for (std::size_t c = 0; c < 16; ++c)
        for (std::size_t r = 0; r < 9; ++r) {
          const auto &g = got[1].channels[c][r], &e = expect.channels[c][r];
          CHECK(g.image == e.image);
          CHECK(g.activation == e.activation);
          CHECK(g.y == e.y);
          CHECK(g.x == e.x);
          CHECK(g.rank == r);
          CHECK(g.label == e.label);
        }
    }
  set_num_threads(1);
  // A tie between an image and its copy 256 later: the copy never outranks the original.
  bool tie_seen = false;
  const auto ranked = explain::top_activations(*model, data, norm, {"3"}, {});
  for (const auto& list : ranked[0].channels)
    for (std::size_t r = 0; r + 1 < list.size(); ++r)
      if (list[r].activation == list[r + 1].activation) {
        tie_seen = true;
        CHECK(list[r].image < list[r + 1].image);
      }
  CHECK(tie_seen);
}

TEST_CASE("Top activations: K, the layer list and flat layers") {
  manual_seed(2);
  auto model = build_model(expand_preset("lenet5", 10), {1, 28, 28});
  const Dataset data = synthetic_dataset(20, 28);
  const Normalization norm = compute_normalization(data);
  explain::TopActivationsOptions o;
  o.k = 0;
  CHECK_THROWS_WITH_AS(explain::top_activations(*model, data, norm, {"0"}, o), contains("K must be from 1 to 20"), std::invalid_argument);
  o.k = 21;
  CHECK_THROWS_WITH_AS(explain::top_activations(*model, data, norm, {"0"}, o), contains("got 21"), std::invalid_argument);
  o.k = 20;
  CHECK_THROWS_WITH_AS(explain::top_activations(*model, data, norm, {"0", "12"}, o), contains("no layer '12'"), std::invalid_argument);
  const auto flat = explain::top_activations(*model, data, norm, {"9"}, o);  // Linear(120, 84): units as channels
  CHECK(flat[0].output_shape == Shape{84});
  CHECK(flat[0].channels.size() == 84);
  CHECK(flat[0].channels[5].size() == 20);
}

TEST_CASE("A _top.json names images by their index in the full test set, and reads back to the subset's") {
  Dataset test;
  test.rows = test.cols = 2;
  test.classes = {"a", "b"};
  for (std::size_t i = 0; i < 50; ++i) {
    test.labels.push_back(static_cast<int>(i % 2));
    test.pixels.insert(test.pixels.end(), 4, static_cast<std::uint8_t>(i));
  }
  limit_stratified(test, 10, kTestSubsetSeed);
  explain::LayerTopActivations t;
  t.layer = "0";
  t.output_shape = {1, 2, 2};
  t.channels.resize(1);
  for (std::size_t r = 0; r < 3; ++r) {
    explain::TopActivation a;
    a.rank = r, a.image = 7 - 2 * r, a.activation = 3.0f - static_cast<float>(r), a.label = test.labels[a.image];
    t.channels[0].push_back(a);
  }
  const nlohmann::json j = nlohmann::json::parse(explain::top_json(t, test));
  for (std::size_t r = 0; r < 3; ++r) {
    const std::size_t pos = 7 - 2 * r, full = j[r]["image"].get<std::size_t>();
    CHECK(full == test.source_index(pos));
    CHECK(full == test.pixels[4 * pos]);  // the image the test file holds at that index
    CHECK(full != pos);
  }
  const explain::LayerTopActivations back = explain::parse_top_json(j.dump(), "0", {1, 2, 2}, test, "x_top.json");
  for (std::size_t r = 0; r < 3; ++r) CHECK(back.channels[0][r].image == 7 - 2 * r);
  nlohmann::json outside = j;
  std::size_t absent = 0;
  while (test.position_of(absent) < test.size()) ++absent;
  outside[0]["image"] = absent;
  CHECK_THROWS_WITH_AS(explain::parse_top_json(outside.dump(), "0", {1, 2, 2}, test, "x_top.json"),
                       contains("image " + std::to_string(absent) + " is not in the test set"), std::runtime_error);
}
