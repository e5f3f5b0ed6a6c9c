// The filter experiment: statistics over seeds and the findings' wording. Pure functions of a list
// of results (no training, no files), so tests can call them with made-up results.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "minicnn/core/text.hpp"
#include "minicnn/experiment/compare_stats.hpp"

namespace minicnn::compare {

const std::vector<VariantInfo>& variants() {
  static const std::vector<VariantInfo> v{
      {"random", "#1f77b4", "random init, everything learned (the baseline)", false, false, false},
      {"handset-frozen", "#d62728", "first conv layer = classical filters, frozen; the rest learned", true, true, false},
      {"handset-init", "#ff7f0e", "first conv layer starts as classical filters and is fine-tuned", true, false, false},
      {"random-frozen", "#2ca02c", "random first conv layer, frozen: are any fixed features enough?", false, true, false},
      {"handset-frozen-raw", "#9467bd", "as handset-frozen, but the filters at textbook scale (Sobel +-2): the scale confound",
       true, true, true}};
  return v;
}

const VariantInfo& variant_info(const std::string& name) {
  for (const auto& v : variants())
    if (v.name == name) return v;
  std::vector<std::string> all;
  for (const auto& v : variants()) all.push_back(v.name);
  throw std::invalid_argument("unknown variant '" + name + "' (expected " + join(all) + ")" + minicnn::suggestion(name, all));
}

MeanStd mean_std(const std::vector<double>& values) {
  MeanStd m;
  m.n = values.size();
  if (values.empty()) return m;
  for (const double v : values) m.mean += v;
  m.mean /= static_cast<double>(values.size());
  if (values.size() < 2) return m;
  double ss = 0;
  for (const double v : values) ss += (v - m.mean) * (v - m.mean);
  m.std = std::sqrt(ss / static_cast<double>(values.size() - 1));
  return m;
}

namespace {

// One number per seed, then their mean and spread.
template <class F>
MeanStd over_seeds(const VariantResult& v, F per_run) {
  std::vector<double> xs;
  for (const auto& r : v.runs) xs.push_back(per_run(r));
  return mean_std(xs);
}

}  // namespace

MeanStd final_accuracy(const VariantResult& v) {
  return over_seeds(v, [](const SeedRun& r) { return r.test_accuracy.empty() ? 0.0 : r.test_accuracy.back(); });
}

std::vector<MeanStd> accuracy_per_epoch(const VariantResult& v) {
  std::size_t epochs = 0;
  for (const auto& r : v.runs) epochs = std::max(epochs, r.test_accuracy.size());
  std::vector<MeanStd> out;
  for (std::size_t e = 0; e < epochs; ++e) {
    std::vector<double> xs;  // epoch e of every seed
    for (const auto& r : v.runs)
      if (e < r.test_accuracy.size()) xs.push_back(r.test_accuracy[e]);
    out.push_back(mean_std(xs));
  }
  return out;
}

MeanStd first_epoch_train_loss(const VariantResult& v) {
  return over_seeds(v, [](const SeedRun& r) { return r.train_loss.empty() ? 0.0 : r.train_loss.front(); });
}

MeanStd classical_fraction(const VariantResult& v) {
  return over_seeds(v, [](const SeedRun& r) {
    std::size_t n = 0;
    for (const auto& k : r.kernels) n += k.match.cosine >= kClassicalCosine;
    return r.kernels.empty() ? 0.0 : static_cast<double>(n) / static_cast<double>(r.kernels.size());
  });
}

std::string classical_count(const VariantResult& v) {
  std::size_t lo = SIZE_MAX, hi = 0, total = 0;
  for (const auto& r : v.runs) {
    std::size_t n = 0;
    for (const auto& k : r.kernels) n += k.match.cosine >= kClassicalCosine;
    lo = std::min(lo, n), hi = std::max(hi, n), total = r.kernels.size();
  }
  if (v.runs.empty() || total == 0) return "no kernels";
  const MeanStd f = classical_fraction(v);
  const std::string of = " of " + std::to_string(total) + " kernels";
  if (lo == hi) return std::to_string(lo) + of + " (" + fixed(100 * f.mean, 0) + "%)";
  return std::to_string(lo) + " to " + std::to_string(hi) + of + " per seed (" + num_pm({100 * f.mean, 100 * f.std, f.n}, 0) + "%)";
}

MeanStd cosine_to_start(const VariantResult& v) {
  return over_seeds(v, [](const SeedRun& r) {
    double s = 0;
    for (const auto& k : r.kernels) s += k.cosine_to_start;
    return r.kernels.empty() ? 1.0 : s / static_cast<double>(r.kernels.size());
  });
}

MeanStd top_importance(const VariantResult& v) {
  return over_seeds(v, [](const SeedRun& r) {
    double top = 0;
    for (const auto& k : r.kernels) top = std::max(top, k.importance);
    return top;
  });
}

double training_seconds(const VariantResult& v) {
  double s = 0;
  for (const auto& r : v.runs) s += r.seconds;
  return s;
}

Verdict verdict(const MeanStd& a, const MeanStd& b) {
  if (a.n < 2 || b.n < 2) return Verdict::one_seed;
  if (a.n < 3 || b.n < 3) return Verdict::few_seeds;
  const double noise = std::max(a.std, b.std), d = std::abs(a.mean - b.mean);
  if (d <= noise) return Verdict::within_noise;
  return d <= 2 * noise ? Verdict::suggestive : Verdict::clear;
}

std::string verdict_words(Verdict v) {
  switch (v) {
    case Verdict::one_seed: return "one seed, so the noise is unknown: this may be chance";
    case Verdict::few_seeds: return "two seeds are too few to judge the noise: no claim either way";
    case Verdict::within_noise: return "within one standard deviation: no measurable difference";
    case Verdict::suggestive: return "more than one standard deviation but less than two: suggestive, not conclusive";
    case Verdict::clear: return "more than two standard deviations: a clear difference";
  }
  return "";
}

std::string fixed(double v, int digits) {
  char b[48];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

std::string num_pm(const MeanStd& m, int digits) {
  return m.n < 2 ? fixed(m.mean, digits) : fixed(m.mean, digits) + " ± " + fixed(m.std, digits);
}

std::string pct_pm(const MeanStd& m) {
  return num_pm({100 * m.mean, 100 * m.std, m.n}, 2) + "%";
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

const VariantResult* find_variant(const std::vector<VariantResult>& rs, const std::string& name) {
  for (const auto& r : rs)
    if (r.name == name) return &r;
  return nullptr;
}

namespace {

// Final accuracy of every variant against the random baseline: one sentence when none differs
// measurably, else one per variant.
void accuracy_findings(const std::vector<VariantResult>& rs, std::vector<std::string>& out) {
  const VariantResult* base = find_variant(rs, "random");
  if (!base || rs.size() < 2) return;
  const MeanStd b = final_accuracy(*base);
  std::vector<std::string> lines;
  std::string quiet;  // variants within noise
  bool all_quiet = true;
  for (const auto& v : rs) {
    if (&v == base || variant_info(v.name).raw) continue;  // the raw variant has its own finding
    const MeanStd a = final_accuracy(v);
    const Verdict verd = verdict(a, b);
    const double d = 100 * (a.mean - b.mean);
    quiet += (quiet.empty() ? "" : ", ") + v.name + " " + pct_pm(a);
    if (verd != Verdict::within_noise) all_quiet = false;
    lines.push_back(v.name + " ends at " + pct_pm(a) + ", " + fixed(std::abs(d), 2) + " points " + (d >= 0 ? "above" : "below") +
                    " random's " + pct_pm(b) + ": " + verdict_words(verd) + ".");
  }
  if (b.n < 2)
    out.push_back("Only one seed ran, so no difference below can be told from seed-to-seed noise (use --seeds 3 or more).");
  else if (b.n < 3)
    out.push_back("Only " + std::to_string(b.n) + " seeds ran: too few to tell a difference from seed-to-seed noise (a standard "
                  "deviation of two values is itself mostly noise), so nothing below is called clear (use --seeds 3 or more).");
  if (all_quiet && b.n >= 3)
    out.push_back("Final test accuracy: every variant (" + quiet + ") is within one standard deviation of the random baseline's " +
                  pct_pm(b) + ": no measurable difference over " + std::to_string(b.n) + " seeds.");
  else
    out.insert(out.end(), lines.begin(), lines.end());
}

// The lesson of the raw variant: at textbook scale the loss measures magnitude, not shape.
void scale_findings(const std::vector<VariantResult>& rs, const std::string& scale, std::vector<std::string>& out) {
  const VariantResult *raw = find_variant(rs, "handset-frozen-raw"), *fair = find_variant(rs, "handset-frozen");
  if (raw && fair && scale != "raw") {
    const MeanStd lr = first_epoch_train_loss(*raw), lf = first_epoch_train_loss(*fair);
    const MeanStd ar = final_accuracy(*raw), af = final_accuracy(*fair);
    const Verdict vl = verdict(lr, lf), va = verdict(ar, af);
    std::string s = "Scale: the same frozen filters at textbook scale (handset-frozen-raw) reach a first-epoch train loss of " +
                    num_pm(lr, 3) + " against " + num_pm(lf, 3) + " at the " + scale + " scale (handset-frozen) (" +
                    verdict_words(vl) + "), and a final accuracy of " + pct_pm(ar) + " against " + pct_pm(af) + " (" +
                    verdict_words(va) + "). Only the magnitude differs between the two, ";
    if (vl == Verdict::clear || va == Verdict::clear)
      s += "so this difference is the scale's: hand-set and random kernels compare fairly only at a comparable scale.";
    else if (vl == Verdict::one_seed)
      s += "and with one seed it is unknown whether it matters here.";
    else if (vl == Verdict::few_seeds)
      s += "and with two seeds it is too early to say whether it matters here.";
    else
      s += "and on this model it made no clear difference; on others it can dominate, so the default stays the init scale.";
    out.push_back(s);
  } else if (fair && scale == "raw") {
    out.push_back("The hand-set filters ran at textbook scale (--handset-scale raw), far larger than the random initialisation: "
                  "handset-frozen's results measure their magnitude as much as their shape.");
  }
}

// What the kernels became: resemblance to classical filters against the chance level of an
// untrained random layer, and how far fine-tuning moved the hand-set start.
void kernel_findings(const std::vector<VariantResult>& rs, std::vector<std::string>& out) {
  std::string list;
  for (const auto& v : rs) {
    if (v.runs.empty() || v.runs[0].kernels.empty()) continue;
    list += (list.empty() ? "" : ", ") + v.name + " " + classical_count(v);
  }
  if (list.empty()) return;
  std::string s = "First-layer kernels whose nearest classical filter has |cos| >= " + fixed(kClassicalCosine, 1) + ": " + list + ".";
  const VariantResult *random = find_variant(rs, "random"), *chance = find_variant(rs, "random-frozen");
  if (random && chance && !random->runs[0].kernels.empty()) {
    const MeanStd a = classical_fraction(*random), c = classical_fraction(*chance);
    const Verdict v = verdict(a, c);
    s += " random-frozen is never trained, so its count is what chance gives kernels of this size; random's is " +
         std::string(v == Verdict::clear ? (a.mean > c.mean ? "clearly above it: training made the kernels more classical"
                                                            : "clearly below it: training moved the kernels away from classical shapes")
                                         : "not clearly different from it (" + verdict_words(v) + ")") + ".";
  }
  out.push_back(s);
  if (const VariantResult* init = find_variant(rs, "handset-init"); init && !init->runs[0].kernels.empty()) {
    const MeanStd c = cosine_to_start(*init);
    out.push_back(std::string("Fine-tuning ") + (c.mean > 0.95 ? "barely moved" : c.mean > 0.8 ? "kept close to" : "moved far from") +
                  " the hand-set kernels: their mean cosine to the starting filters is " + num_pm(c, 3) + ".");
  }
}

}  // namespace

std::vector<MeanStd> smoothed_loss(const VariantResult& v, std::size_t& window) {
  std::size_t n = SIZE_MAX;
  for (const auto& run : v.runs) n = std::min(n, run.batch_loss.size());
  window = 1;
  if (v.runs.empty() || n == 0 || n == SIZE_MAX) return {};
  window = std::max<std::size_t>(1, n / 100);
  std::vector<MeanStd> out;
  for (std::size_t i = 0; i + window <= n; i += window) {
    std::vector<double> per_seed;
    for (const auto& run : v.runs) {
      double m = 0;
      for (std::size_t k = i; k < i + window; ++k) m += run.batch_loss[k];
      per_seed.push_back(m / static_cast<double>(window));
    }
    out.push_back(mean_std(per_seed));
  }
  return out;
}

bool flattens_others(const std::vector<VariantResult>& rs, const std::string& name) {
  // The value range [lo, hi] of the charts' lines (means) for the other variants, then with `name`.
  struct Range {
    double lo = INFINITY, hi = -INFINITY;
    void add(double v) { lo = std::min(lo, v), hi = std::max(hi, v); }
    double span() const { return hi > lo ? hi - lo : 0.0; }
  };
  Range loss, acc, loss_all, acc_all;
  for (const auto& v : rs) {
    const bool other = v.name != name;
    std::size_t w = 1;
    for (const auto& m : smoothed_loss(v, w)) (other ? loss : loss_all).add(m.mean);
    for (const auto& m : accuracy_per_epoch(v)) (other ? acc : acc_all).add(m.mean);
  }
  if (loss.span() == 0 && acc.span() == 0) return false;
  if (loss.lo <= loss.hi) loss_all.add(loss.lo), loss_all.add(loss.hi);
  if (acc.lo <= acc.hi) acc_all.add(acc.lo), acc_all.add(acc.hi);
  return loss_all.span() > 2 * loss.span() || acc_all.span() > 2 * acc.span();
}

std::vector<std::string> findings(const std::vector<VariantResult>& results, const std::string& scale) {
  std::vector<std::string> out;
  accuracy_findings(results, out);
  scale_findings(results, scale, out);
  kernel_findings(results, out);
  return out;
}

}  // namespace minicnn::compare
