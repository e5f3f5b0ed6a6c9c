// The filter experiment: the report. One Report (train/report.hpp) rendered to report.html
// (self-contained) and report.md, from the results of compare_train and the statistics of
// compare_stats.
#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>
#include <xtensor/xview.hpp>

#include "minicnn/experiment/compare.hpp"
#include "minicnn/train/report.hpp"
#include "minicnn/vision/filter_image.hpp"
#include "minicnn/vision/kernel_png.hpp"

namespace minicnn::compare {

namespace {

// The raw variant is drawn with the others unless its values would flatten their lines; then it
// has only its own section (which says so).
bool in_charts(const VariantResult& v, const std::vector<VariantResult>& results) {
  return !variant_info(v.name).raw || !flattens_others(results, v.name);
}

void add_setup(Report& r, const std::vector<VariantResult>& results, const ReportInput& in) {
  const Experiment& e = *in.experiment;
  std::vector<std::string> seeds;
  for (const auto s : e.seeds) seeds.push_back(std::to_string(s));
  r.paragraph(e.spec + " on " + e.data.dataset + " (" + e.data.dir + ") (" + std::to_string(e.data.train->size()) + " training / " +
              std::to_string(e.data.test->size()) + " test images), " + std::to_string(e.epochs) + " epoch" + (e.epochs == 1 ? "" : "s") +
              " per run, " + std::to_string(e.seeds.size()) + " seed" + (e.seeds.size() == 1 ? "" : "s") + " (" + join(seeds) +
              ") for every variant: for one seed all variants start from the same random weights and see the same batches in "
              "the same order, so they differ only in their first conv layer (" + e.conv_path + "). Every number below is the "
              "mean ± the standard deviation over the seeds.");
  bool handset = false;
  for (const auto& v : results) handset = handset || variant_info(v.name).handset;
  if (handset)
    r.paragraph("Hand-set filters: " + join(e.handset) + " (one per output channel), scale '" +
                filters::scale_name(e.handset_options.scale) + "', colour '" + filters::color_name(e.handset_options.color) +
                "' (see 'Hand-set filters and their scale').");
}

void add_results(Report& r, const std::vector<VariantResult>& results, const ReportInput& in) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& v : results) {
    std::string note;
    for (const auto& run : v.runs)
      if (!run.diverged.empty()) note += (note.empty() ? "" : "; ") + ("seed " + std::to_string(run.seed) + " " + run.diverged);
    rows.push_back({v.name, pct_pm(final_accuracy(v)), num_pm(first_epoch_train_loss(v), 3),
                    classical_count(v),
                    num_pm({100 * top_importance(v).mean, 100 * top_importance(v).std, top_importance(v).n}, 2),
                    fixed(training_seconds(v) / std::max<std::size_t>(v.runs.size(), 1), 1),
                    std::to_string(v.learned) + " of " + std::to_string(v.total),
                    variant_info(v.name).meaning + (note.empty() ? "" : " (" + note + ")")});
  }
  r.table({"variant", "final test accuracy", "first-epoch train loss", "kernels like a classical filter", "top kernel importance (pts)",
           "training s per seed", "parameters learned", "what it is"},
          rows);
  double train_s = 0;
  for (const auto& v : results) train_s += training_seconds(v);
  r.paragraph("Kernels like a classical filter: the share of first-layer kernels whose nearest bank filter (any rotation, flip or "
              "sign) has |cos| >= " + fixed(kClassicalCosine, 1) + " (the threshold `minicnn analyze` uses), per seed. Top kernel "
              "importance: the test accuracy lost when the most important first-layer kernel is zeroed (" + std::to_string(in.experiment->ablation.size()) + " test images). Time: " + fixed(train_s, 1) +
              " s of training in all, " + fixed(in.wall_seconds, 1) + " s for the whole experiment (evaluation and analysis "
              "included), " + std::to_string(in.threads) + (in.threads == 1 ? " thread." : " threads."));
}

// Loss per batch, smoothed over windows of 1% of the run, mean and spread over seeds.
ChartSeries loss_series(const VariantResult& v, std::size_t epochs) {
  const VariantInfo& info = variant_info(v.name);
  ChartSeries s{v.name, info.color, {}, {}, false};
  std::size_t w = 1;
  const std::vector<MeanStd> m = smoothed_loss(v, w);
  if (m.empty()) return s;
  const std::size_t per_epoch = std::max<std::size_t>(1, v.runs[0].batch_loss.size() / epochs);
  for (std::size_t k = 0; k < m.size(); ++k) {
    s.points.emplace_back(static_cast<double>(k * w + w / 2.0) / static_cast<double>(per_epoch), m[k].mean);
    if (v.runs.size() > 1) s.band.emplace_back(std::max(0.0, m[k].mean - m[k].std), m[k].mean + m[k].std);  // a loss is never negative
  }
  return s;
}

void add_charts(Report& r, const std::vector<VariantResult>& results, std::size_t epochs) {
  std::vector<IntervalRow> finals;
  std::vector<ChartSeries> acc, loss;
  for (const auto& v : results) {
    if (!in_charts(v, results)) continue;
    const VariantInfo& info = variant_info(v.name);
    const MeanStd f = final_accuracy(v);
    IntervalRow row{v.name, info.color, {}, 100 * f.mean, 100 * (f.mean - f.std), 100 * (f.mean + f.std)};
    for (const auto& run : v.runs) row.samples.push_back(100 * run.test_accuracy.back());
    finals.push_back(row);
    ChartSeries a{v.name, info.color, {}, {}, true};
    const auto per_epoch = accuracy_per_epoch(v);
    for (std::size_t e = 0; e < per_epoch.size(); ++e) {
      a.points.emplace_back(static_cast<double>(e + 1), 100 * per_epoch[e].mean);
      if (v.runs.size() > 1) a.band.emplace_back(100 * (per_epoch[e].mean - per_epoch[e].std), 100 * (per_epoch[e].mean + per_epoch[e].std));
    }
    acc.push_back(a);
    loss.push_back(loss_series(v, epochs));
  }
  std::vector<Figure> figs;
  Figure f1{"images/final_accuracy.svg", "Final test accuracy: a small dot per seed, the large dot the mean, the bar mean ± one "
                                         "standard deviation.", {}, svg_interval_chart(finals, {"Final test accuracy", "test accuracy (%)", "", 720, 0}), 0};
  figs.push_back(f1);
  if (epochs > 1)
    figs.push_back({"images/accuracy.svg", "Test accuracy after each epoch: the line is the mean over seeds, the shaded band ± one "
                                           "standard deviation.", {},
                    svg_line_chart(acc, {"Test accuracy after each epoch", "epoch", "test accuracy (%)", 720, 360, 0, 0, true}), 0});
  figs.push_back({"images/loss.svg", "Training loss per batch, smoothed over 1% of the run; band: ± one standard deviation over seeds.",
                  {}, svg_line_chart(loss, {"Training loss per batch (smoothed)", "epoch", "cross-entropy loss", 720, 360, 0, 0, false}), 0});
  r.figures(figs);
}

}  // namespace

// Defined in compare_report_kernels.cpp: the sections about kernels, scale and feature maps.
void add_scale_section(Report& r, const std::vector<VariantResult>& results, const ReportInput& in);
void add_kernel_sections(Report& r, const std::vector<VariantResult>& results, const ReportInput& in);
// Defined in compare_report_crops.cpp: each variant's first-layer channels and their strongest test images.
void add_crops_section(Report& r, const std::vector<VariantResult>& results, const ReportInput& in);

std::vector<std::string> write_report(const std::vector<VariantResult>& results, const ReportInput& in) {
  const Experiment& e = *in.experiment;
  Report r("Learned vs hand-coded filters");
  add_setup(r, results, in);
  const auto facts = findings(results, filters::scale_name(e.handset_options.scale));
  r.heading("Findings").bullets(facts);
  r.heading("Results");
  add_results(r, results, in);
  add_charts(r, results, e.epochs);
  add_scale_section(r, results, in);
  add_kernel_sections(r, results, in);
  add_crops_section(r, results, in);
  r.heading("Reproduce").code(in.command_line);
  const nlohmann::json& env = in.environment;
  std::vector<std::string> seeds;
  for (const auto s : e.seeds) seeds.push_back(std::to_string(s));
  r.table({"setting", "value"},
          {{"model", e.spec},
           {"seeds", join(seeds)},
           {"optimiser", "SGD lr " + fixed(e.lr, 3) + " momentum " + fixed(e.momentum, 2) + ", cosine schedule, batch " +
                             std::to_string(e.batch_size)},
           {"inputs", "normalised: " + e.norm.str()},
           {"threads", std::to_string(in.threads)},
           {"date", env["date"]}, {"cpu", env["cpu"]}, {"os", env["os"]}, {"compiler", env["compiler"]},
           {"openblas", env["openblas"]}, {"minicnn", env["minicnn"]}},
          false);
  r.write(e.out);
  return facts;
}

}  // namespace minicnn::compare
