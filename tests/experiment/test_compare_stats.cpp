// minicnn compare's statistics and findings, on made-up results: no training.
#include "minicnn/experiment/compare_stats.hpp"
#include "helpers.hpp"

using namespace minicnn;
using namespace minicnn::compare;

namespace {

// A variant whose seeds ended at the given accuracies (per seed, per epoch).
VariantResult fake(const std::string& name, const std::vector<std::vector<double>>& accuracy_per_seed) {
  VariantResult v;
  v.name = name;
  std::uint64_t seed = 1;
  for (const auto& acc : accuracy_per_seed) {
    SeedRun r;
    r.seed = seed++;
    r.test_accuracy = acc;
    r.train_loss.assign(acc.size(), 0.5);
    v.runs.push_back(r);
  }
  return v;
}

bool has(const std::vector<std::string>& lines, const std::string& text) {
  for (const auto& l : lines)
    if (l.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("compare: the spread is the standard deviation over seeds, epoch by epoch") {
  // Seeds differ by 0.02 at every epoch; the epochs differ by much more. A spread taken over the
  // epochs instead of the seeds would be about 0.1.
  const VariantResult v = fake("random", {{0.70, 0.90}, {0.72, 0.92}, {0.74, 0.94}});
  const MeanStd f = final_accuracy(v);
  CHECK(f.n == 3);
  CHECK(f.mean == doctest::Approx(0.92));
  CHECK(f.std == doctest::Approx(0.02));  // sample standard deviation (n - 1) of 0.90, 0.92, 0.94
  const auto per_epoch = accuracy_per_epoch(v);
  REQUIRE(per_epoch.size() == 2);
  CHECK(per_epoch[0].mean == doctest::Approx(0.72));
  CHECK(per_epoch[0].std == doctest::Approx(0.02));
  CHECK(per_epoch[1].std == doctest::Approx(0.02));
  CHECK(mean_std({5.0}).std == 0.0);
  CHECK(mean_std({1.0, 3.0}).std == doctest::Approx(std::sqrt(2.0)));
  CHECK(pct_pm(f) == "92.00 ± 2.00%");
  CHECK(pct_pm(mean_std({0.5})) == "50.00%");  // one seed: no spread to show
}

TEST_CASE("compare: a difference is called a difference only when it exceeds the noise") {
  CHECK(verdict({0.990, 0.002, 3}, {0.989, 0.002, 3}) == Verdict::within_noise);
  CHECK(verdict({0.990, 0.002, 3}, {0.987, 0.002, 3}) == Verdict::suggestive);
  CHECK(verdict({0.990, 0.002, 3}, {0.980, 0.002, 3}) == Verdict::clear);
  CHECK(verdict({0.990, 0, 1}, {0.980, 0, 1}) == Verdict::one_seed);
  CHECK(verdict({0.990, 0.002, 2}, {0.980, 0.002, 2}) == Verdict::few_seeds);  // 5 "standard deviations" of 2 values: no claim

  const VariantResult random = fake("random", {{0.985}, {0.990}, {0.995}});
  // Within noise: 0.2 points apart with a spread of 0.5 points.
  const auto quiet = findings({random, fake("handset-frozen", {{0.987}, {0.992}, {0.997}})}, "init");
  CHECK(has(quiet, "no measurable difference"));
  CHECK_FALSE(has(quiet, "clear difference"));
  // The same spread, 3 points apart.
  const auto loud = findings({random, fake("handset-frozen", {{0.955}, {0.960}, {0.965}})}, "init");
  CHECK(has(loud, "3.00 points below random's 99.00 ± 0.50%: more than two standard deviations: a clear difference"));
  CHECK_FALSE(has(loud, "no measurable difference"));
  // One seed: no verdict either way, and the caveat is said once.
  const auto single = findings({fake("random", {{0.99}}), fake("handset-frozen", {{0.96}}), fake("handset-init", {{0.95}})}, "init");
  CHECK(has(single, "Only one seed ran"));
  CHECK_FALSE(has(single, "a clear difference"));
  std::size_t caveats = 0;
  for (const auto& l : single) caveats += l.find("Only one seed") != std::string::npos;
  CHECK(caveats == 1);
}

TEST_CASE("compare: with two seeds nothing is called clear, and a sentence says why") {
  const VariantResult random = fake("random", {{0.9460}, {0.9462}}), other = fake("handset-frozen", {{0.9560}, {0.9562}});
  const auto two = findings({random, other}, "init");
  CHECK(has(two, "Only 2 seeds ran: too few to tell a difference from seed-to-seed noise"));
  CHECK(has(two, "two seeds are too few to judge the noise: no claim either way"));
  CHECK_FALSE(has(two, "clear difference"));
  CHECK_FALSE(has(two, "no measurable difference"));
  // The same numbers with a third seed are judged.
  const auto three = findings({fake("random", {{0.9460}, {0.9462}, {0.9461}}), fake("handset-frozen", {{0.9560}, {0.9562}, {0.9561}})}, "init");
  CHECK(has(three, "a clear difference"));
  CHECK_FALSE(has(three, "Only"));
}

TEST_CASE("compare: the classical share is a count of kernels, at the threshold analyze uses") {
  auto with_kernels = [](VariantResult v, const std::vector<std::vector<float>>& cosines) {
    for (std::size_t s = 0; s < v.runs.size(); ++s)
      for (const float c : cosines[s]) {
        KernelInfo k;
        k.match.cosine = c;
        v.runs[s].kernels.push_back(k);
      }
    return v;
  };
  const VariantResult random = with_kernels(fake("random", {{0.9}, {0.9}}), {{0.7f, 0.1f, 0.2f, 0.3f, 0.59f, 0.2f}, {0.6f, 0.1f, 0.2f, 0.3f, 0.4f, 0.2f}});
  CHECK(classical_count(random) == "1 of 6 kernels (17%)");
  const VariantResult init = with_kernels(fake("handset-init", {{0.9}, {0.9}}), {{0.7f, 0.9f, 0.2f}, {0.1f, 0.2f, 0.3f}});
  CHECK(classical_count(init) == "0 to 2 of 3 kernels per seed (33 ± 47%)");
  const auto lines = findings({random, init, with_kernels(fake("random-frozen", {{0.9}, {0.9}}), {{0.1f}, {0.1f}})}, "init");
  CHECK(has(lines, "First-layer kernels whose nearest classical filter has |cos| >= 0.6: random 1 of 6 kernels (17%)"));
  CHECK_FALSE(has(lines, "clearly above"));  // 2 seeds: no claim
}

TEST_CASE("compare: a variant is said to flatten the charts only when its values would") {
  auto with_loss = [](VariantResult v, float loss) {
    for (auto& r : v.runs) r.batch_loss.assign(200, loss), r.batch_loss[0] = loss + 0.2f;
    return v;
  };
  const VariantResult a = with_loss(fake("random", {{0.90, 0.95}}), 0.5f), b = with_loss(fake("handset-frozen", {{0.88, 0.94}}), 0.6f);
  CHECK_FALSE(flattens_others({a, b, with_loss(fake("handset-frozen-raw", {{0.89, 0.93}}), 0.55f)}, "handset-frozen-raw"));
  CHECK(flattens_others({a, b, with_loss(fake("handset-frozen-raw", {{0.89, 0.93}}), 20.f)}, "handset-frozen-raw"));  // loss 20
  CHECK(flattens_others({a, b, with_loss(fake("handset-frozen-raw", {{0.30, 0.40}}), 0.55f)}, "handset-frozen-raw"));  // accuracy 30%
  std::size_t w = 0;
  CHECK(smoothed_loss(a, w).size() == 100);
  CHECK(w == 2);
  CHECK(smoothed_loss(a, w)[0].mean == doctest::Approx(0.6));  // (0.7 + 0.5) / 2
}

TEST_CASE("compare: the raw-scale lesson and the classical share are each said once") {
  VariantResult fair = fake("handset-frozen", {{0.98}, {0.98}, {0.98}}), raw = fake("handset-frozen-raw", {{0.95}, {0.96}, {0.955}});
  for (auto& r : raw.runs) r.train_loss = {20.0};
  auto lines = findings({fake("random", {{0.98}, {0.99}, {0.985}}), fair, raw}, "init");
  std::size_t scale = 0;
  for (const auto& l : lines) scale += l.find("textbook scale") != std::string::npos;
  CHECK(scale == 1);
  CHECK(has(lines, "first-epoch train loss of 20.000 ± 0.000 against 0.500 ± 0.000 at the init scale"));
  CHECK(has(lines, "this difference is the scale's"));
  // The same filters where the scale changed nothing measurable: the lesson is not claimed.
  VariantResult same = fake("handset-frozen-raw", {{0.979}, {0.981}, {0.98}});
  const auto quiet = findings({fake("random", {{0.98}, {0.99}, {0.985}}), fair, same}, "init");
  CHECK(has(quiet, "on this model it made no clear difference"));
  CHECK_FALSE(has(quiet, "this difference is the scale's"));
  CHECK_FALSE(has(lines, "handset-frozen-raw ends at"));  // not repeated among the accuracy findings
  CHECK_THROWS_AS(variant_info("bogus"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(variant_info("randm"), doctest::Contains("; did you mean 'random'?"), std::invalid_argument);
}
