#include "minicnn/train/run_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "minicnn/data/datasets.hpp"
#include "minicnn/vision/kernel_png.hpp"

namespace minicnn {

namespace {

const std::uint8_t kInk[3] = {0, 0, 0}, kRedInk[3] = {178, 24, 43};

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

// Nearest-neighbour enlargement to RGB: small digits stay crisp.
Image enlarge(const Image& src, std::size_t f) {
  const Image rgb = with_channels(src, 3);
  Image out(src.width * f, src.height * f, 3);
  for (std::size_t y = 0; y < out.height; ++y)
    for (std::size_t x = 0; x < out.width; ++x) {
      const std::uint8_t* p = rgb.pixels.data() + ((y / f) * rgb.width + x / f) * 3;
      std::copy(p, p + 3, out.at(x, y));
    }
  return out;
}

std::size_t zoom_for(const Dataset& d, std::size_t target) {
  return std::max<std::size_t>(1, target / std::max<std::size_t>(1, std::max(d.rows, d.cols)));
}

// Means of consecutive windows of w values (NaN left out), at x = the window's end in epochs.
ChartSeries windowed(const std::string& name, const std::string& color, const std::vector<float>& v, std::size_t nb,
                     std::size_t w) {
  ChartSeries s{name, color, {}, {}, false};
  for (std::size_t i = 0; i < v.size(); i += w) {
    double sum = 0;
    std::size_t n = 0;
    for (std::size_t k = i; k < std::min(v.size(), i + w); ++k)
      if (std::isfinite(v[k])) sum += v[k], ++n;
    if (n) s.points.emplace_back(static_cast<double>(std::min(v.size(), i + w)) / static_cast<double>(nb), sum / n);
  }
  return s;
}

// A per-epoch column of metrics.csv as a series with dots (scaled, e.g. 100 for percent), at
// each epoch's end, or shifted to its middle for a mean over the epoch (shift -0.5).
ChartSeries per_epoch(const std::string& name, const std::string& color, const std::vector<EpochMetrics>& rows,
                      double EpochMetrics::*m, double scale = 1, double shift = 0) {
  ChartSeries s{name, color, {}, {}, true};
  for (const auto& r : rows)
    if (std::isfinite(r.*m)) s.points.emplace_back(static_cast<double>(r.epoch) + shift, scale * (r.*m));
  return s;
}

// The learning rate per batch, thinned to about 600 points but keeping every jump (a step decay,
// a change made on the live page).
ChartSeries lr_per_batch(const std::vector<float>& lr, std::size_t nb) {
  ChartSeries s{"learning rate", "#2ca02c", {}, {}, false};
  const std::size_t stride = std::max<std::size_t>(1, lr.size() / 600);
  const float top = lr.empty() ? 0.f : *std::max_element(lr.begin(), lr.end());
  for (std::size_t i = 0; i < lr.size(); ++i) {
    if (!std::isfinite(lr[i])) continue;
    const bool jump = i > 0 && std::abs(lr[i] - lr[i - 1]) > 0.01f * top;
    if (jump) s.points.emplace_back(static_cast<double>(i) / nb, lr[i - 1]);
    if (i % stride == 0 || jump || i + 1 == lr.size()) s.points.emplace_back(static_cast<double>(i + 1) / nb, lr[i]);
  }
  return s;
}

bool has_points(const std::vector<ChartSeries>& series) {
  for (const auto& s : series)
    if (!s.points.empty()) return true;
  return false;
}

void add_curves(Report& r, const RunReportInput& run) {
  const std::size_t nb = run.batches_per_epoch;
  const bool batches = nb > 0 && !run.batch_loss.empty();
  const std::size_t w = batches ? std::max<std::size_t>(1, run.batch_loss.size() / 200) : 1;
  std::vector<ChartSeries> loss, acc, lr, speed;
  if (batches)
    loss.push_back(windowed(w == 1 ? "training, per batch" : "training, mean of " + std::to_string(w), "#9ecae1", run.batch_loss, nb, w));
  loss.push_back(per_epoch("training, per epoch", "#1f77b4", run.epochs, &EpochMetrics::train_loss, 1, batches ? -0.5 : 0));
  loss.push_back(per_epoch("test", "#d62728", run.epochs, &EpochMetrics::test_loss));
  acc.push_back(per_epoch("training", "#1f77b4", run.epochs, &EpochMetrics::train_accuracy, 100));
  acc.push_back(per_epoch("test", "#d62728", run.epochs, &EpochMetrics::test_accuracy, 100));
  if (nb > 0 && !run.batch_lr.empty()) lr.push_back(lr_per_batch(run.batch_lr, nb));
  else lr.push_back(per_epoch("at each epoch's end", "#2ca02c", run.epochs, &EpochMetrics::lr));
  speed.push_back(per_epoch("images per second", "#9467bd", run.epochs, &EpochMetrics::images_per_second));
  const double epochs = run.epochs.empty() ? 1.0 : static_cast<double>(run.epochs.back().epoch);
  auto chart = [&](const std::vector<ChartSeries>& s, const std::string& title, const std::string& y, bool per_batch) {
    const ChartOptions o{title, "epoch", y, 530, 300, 0.0, per_batch ? epochs : 0.0, !per_batch};
    return svg_line_chart(s, o);
  };
  std::vector<Figure> figs{
      {"report/loss.svg",
       batches ? "Cross-entropy loss: training per batch" + std::string(w > 1 ? " (means of " + std::to_string(w) + ")" : "") +
                     " and its mean over each epoch (at the epoch's middle); test after every epoch"
               : "Cross-entropy loss: training (mean over each epoch) and test after every epoch",
       {}, chart(loss, "Loss", "cross-entropy", batches)},
      {"report/accuracy.svg", "Accuracy after every epoch", {}, chart(acc, "Accuracy", "accuracy (%)", false)}};
  if (has_points(lr))
    figs.push_back({"report/lr.svg", "Learning rate (schedule times any multiplier set on the live page)", {},
                    chart(lr, "Learning rate", "learning rate", nb > 0 && !run.batch_lr.empty())});
  if (has_points(speed))
    figs.push_back({"report/throughput.svg", "Training throughput (wall clock of this machine)", {},
                    chart(speed, "Throughput", "images / s", false)});
  r.heading("Curves").figures(figs);
}

void add_metrics_table(Report& r, const std::vector<EpochMetrics>& rows) {
  auto cell = [](double v, const char* f, double scale = 1) { return std::isfinite(v) ? fmt(f, scale * v) : std::string("-"); };
  std::vector<std::vector<std::string>> t;
  for (const auto& m : rows)
    t.push_back({std::to_string(m.epoch), cell(m.train_loss, "%.4f"), cell(m.train_accuracy, "%.2f%%", 100),
                 cell(m.test_loss, "%.4f"), cell(m.test_accuracy, "%.2f%%", 100), cell(m.lr, "%.4g"), cell(m.seconds, "%.1f"),
                 cell(m.images_per_second, "%.0f")});
  r.table({"epoch", "train loss", "train accuracy", "test loss", "test accuracy", "lr at end", "seconds", "images/s"}, t);
}

// The off-diagonal cells with the most images, most first: (true class, predicted class, count).
std::vector<std::tuple<std::size_t, std::size_t, std::size_t>> confused_pairs(const EvalResult& p, std::size_t n) {
  std::vector<std::tuple<std::size_t, std::size_t, std::size_t>> pairs;
  for (std::size_t t = 0; t < p.confusion.size(); ++t)
    for (std::size_t q = 0; q < p.confusion[t].size(); ++q)
      if (t != q && p.confusion[t][q]) pairs.emplace_back(t, q, p.confusion[t][q]);
  std::stable_sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return std::get<2>(a) > std::get<2>(b); });
  if (pairs.size() > n) pairs.resize(n);
  return pairs;
}

// One line per confused pair: its label, then up to `per_pair` of its test images.
Image confused_pairs_image(const Dataset& test, const EvalResult& p,
                           const std::vector<std::tuple<std::size_t, std::size_t, std::size_t>>& pairs, std::size_t per_pair) {
  const std::size_t zoom = zoom_for(test, 56), tile = std::max(test.rows, test.cols) * zoom, gap = 6;
  std::vector<std::string> labels;
  std::size_t label_w = 0;
  for (const auto& [t, q, n] : pairs) {
    labels.push_back(test.classes[t] + " as " + test.classes[q] + ": " + std::to_string(n));
    label_w = std::max(label_w, text_width(labels.back()));
  }
  const std::size_t row_h = std::max(tile, text_height()) + gap;
  Image img(gap + label_w + 2 * gap + per_pair * (tile + gap), gap + pairs.size() * row_h, 3, 255);
  for (std::size_t r = 0; r < pairs.size(); ++r) {
    const auto [t, q, n] = pairs[r];
    const std::size_t y = gap + r * row_h;
    draw_text(img, gap, y + (tile > text_height() ? (tile - text_height()) / 2 : 0), labels[r], kInk);
    std::size_t shown = 0;
    for (std::size_t i = 0; i < p.predicted.size() && shown < per_pair; ++i)
      if (static_cast<std::size_t>(test.labels[i]) == t && static_cast<std::size_t>(p.predicted[i]) == q)
        blit(img, enlarge(dataset_image(test, i), zoom), gap + label_w + 2 * gap + shown++ * (tile + gap), y);
  }
  return img;
}

// The test images the model gets wrong, the most confident mistakes first, each captioned with
// its true class and what the model said.
Image misclassified_grid(const Dataset& test, const EvalResult& p, std::size_t max_images, std::size_t max_width) {
  std::vector<std::size_t> wrong;
  for (std::size_t i = 0; i < p.predicted.size(); ++i)
    if (p.predicted[i] != test.labels[i]) wrong.push_back(i);
  std::stable_sort(wrong.begin(), wrong.end(), [&](auto a, auto b) { return p.confidence[a] > p.confidence[b]; });
  if (wrong.size() > max_images) wrong.resize(max_images);
  const std::size_t zoom = zoom_for(test, 84), tile = std::max(test.rows, test.cols) * zoom, gap = 20, th = text_height();
  std::vector<std::pair<std::string, std::string>> captions;
  std::size_t col_w = tile;
  for (const std::size_t i : wrong) {
    captions.emplace_back("true " + test.classes[static_cast<std::size_t>(test.labels[i])],
                          "said " + test.classes[static_cast<std::size_t>(p.predicted[i])] + fmt(" %.0f%%", 100.0 * p.confidence[i]));
    col_w = std::max({col_w, text_width(captions.back().first), text_width(captions.back().second)});
  }
  const std::size_t cols = std::max<std::size_t>(1, std::min(wrong.size(), (max_width - gap) / (col_w + gap)));
  const std::size_t rows = (wrong.size() + cols - 1) / cols, cell_h = tile + 2 * th + 4 + gap;
  Image img(gap + cols * (col_w + gap), gap + rows * cell_h, 3, 255);
  for (std::size_t k = 0; k < wrong.size(); ++k) {
    const std::size_t x = gap + (k % cols) * (col_w + gap), y = gap + (k / cols) * cell_h;
    blit(img, enlarge(dataset_image(test, wrong[k]), zoom), x, y);
    draw_text(img, x, y + tile + 3, captions[k].first, kInk);
    draw_text(img, x, y + tile + 3 + th, captions[k].second, kRedInk);
  }
  return img;
}

void add_mistakes(Report& r, const Dataset& test, const EvalResult& p) {
  r.heading("Confusion matrix")
      .paragraph("Rows are the true classes of the " + std::to_string(p.predicted.size()) +
                 " test images, columns what the model said; the right column is each class's accuracy.")
      .figures({{"report/confusion.svg", "", {}, confusion_svg(p.confusion, test.classes)}});
  const auto pairs = confused_pairs(p, 6);
  if (pairs.empty()) {
    r.paragraph("The model gets every test image right.");
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& [t, q, n] : pairs) {
    std::size_t total = 0;
    for (const std::size_t v : p.confusion[t]) total += v;
    rows.push_back({test.classes[t], test.classes[q], std::to_string(n), fmt("%.1f%%", 100.0 * n / std::max<std::size_t>(total, 1))});
  }
  r.heading("Most confused pairs")
      .table({"true class", "taken for", "test images", "share of the class"}, rows)
      .figures({{"report/confused_pairs.png", "Examples of each pair, first in test-set order", confused_pairs_image(test, p, pairs, 8), "", 0}});
  r.heading("Misclassified test images")
      .paragraph(std::to_string(p.predicted.size() - p.correct) + " of " + std::to_string(p.predicted.size()) +
                 " test images are misclassified; here are the ones the model was surest about, with its confidence.")
      .figures({{"report/misclassified.png", "true class (black) and the model's answer (red)", misclassified_grid(test, p, 48, 1060), "", 0}});
}

}  // namespace

std::string confusion_svg(const std::vector<std::vector<std::size_t>>& confusion, const std::vector<std::string>& classes) {
  const std::size_t K = confusion.size();
  if (K == 0 || classes.size() != K) throw std::invalid_argument("confusion_svg: " + std::to_string(K) + " rows for " +
                                                                 std::to_string(classes.size()) + " class names");
  std::size_t name_len = 0;
  for (const auto& c : classes) name_len = std::max(name_len, c.size());
  const double cell = K <= 12 ? 40 : std::max(8.0, 520.0 / static_cast<double>(K));
  const double name_w = 7.5 * static_cast<double>(std::min<std::size_t>(name_len, 24)) + 10;
  const bool upright = name_len <= 3 && cell >= 28;  // short names fit over their columns; long ones are turned
  const double L = 30 + name_w, T = 30 + (upright ? 20 : name_w), W = L + K * cell + 80, H = T + K * cell + 16;
  double worst = 0;  // the largest share of a row taken by one wrong class
  std::vector<std::size_t> totals(K, 0);
  for (std::size_t t = 0; t < K; ++t) {
    for (const std::size_t v : confusion[t]) totals[t] += v;
    for (std::size_t q = 0; q < K; ++q)
      if (q != t && totals[t]) worst = std::max(worst, static_cast<double>(confusion[t][q]) / totals[t]);
  }
  std::ostringstream s;
  s.precision(5);
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H << "\" viewBox=\"0 0 " << W << " " << H
    << "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text x=\"" << L + K * cell / 2 << "\" y=\"16\" text-anchor=\"middle\" font-size=\"14\">predicted class</text>\n"
    << "<text transform=\"translate(14," << T + K * cell / 2 << ") rotate(-90)\" text-anchor=\"middle\" font-size=\"14\">true class</text>\n"
    << "<text x=\"" << L + K * cell + 8 << "\" y=\"" << T - 8 << "\">accuracy</text>\n";
  for (std::size_t k = 0; k < K; ++k) {
    const std::string name = html_escape(classes[k].substr(0, 24));
    s << "<text x=\"" << L - 6 << "\" y=\"" << T + (k + 0.5) * cell + 4 << "\" text-anchor=\"end\">" << name << "</text>\n";
    if (upright) s << "<text x=\"" << L + (k + 0.5) * cell << "\" y=\"" << T - 6 << "\" text-anchor=\"middle\">" << name << "</text>\n";
    else s << "<text transform=\"translate(" << L + (k + 0.5) * cell + 4 << "," << T - 6 << ") rotate(-90)\">" << name << "</text>\n";
  }
  const double font = cell >= 28 ? 12 : 9;
  for (std::size_t t = 0; t < K; ++t) {
    for (std::size_t q = 0; q < K; ++q) {
      const std::size_t v = confusion[t][q];
      const double share = totals[t] ? static_cast<double>(v) / totals[t] : 0;
      const double a = v == 0 ? 0 : t == q ? 0.15 + 0.85 * share : 0.12 + 0.88 * (worst > 0 ? share / worst : 0);
      s << "<rect x=\"" << L + q * cell << "\" y=\"" << T + t * cell << "\" width=\"" << cell << "\" height=\"" << cell << "\" fill=\""
        << (t == q ? "#2166ac" : "#b2182b") << "\" fill-opacity=\"" << a << "\" stroke=\"#ddd\"/>\n";
      if (cell >= 18 && v)
        s << "<text x=\"" << L + (q + 0.5) * cell << "\" y=\"" << T + (t + 0.5) * cell + font / 3 << "\" text-anchor=\"middle\" font-size=\""
          << font << "\" fill=\"" << (a > 0.55 ? "white" : "black") << "\">" << v << "</text>\n";
    }
    s << "<text x=\"" << L + K * cell + 8 << "\" y=\"" << T + (t + 0.5) * cell + 4 << "\">"
      << fmt("%.1f%%", totals[t] ? 100.0 * confusion[t][t] / totals[t] : 0.0) << "</text>\n";
  }
  s << "</svg>\n";
  return s.str();
}

Report run_report(const RunReportInput& run, Sequential& model, const Shape& input_shape, const Dataset& test,
                  const Normalization& norm) {
  const EvalResult p = evaluate(model, test, norm);
  Report r("Training run " + run.title);
  std::string summary = run.about + (run.about.empty() ? "" : ". ") + "Test accuracy " + fmt("%.2f%%", 100 * p.accuracy()) + " (" +
                        std::to_string(p.correct) + " of " + std::to_string(p.predicted.size()) + " test images)";
  if (!run.epochs.empty()) {
    double seconds = 0;
    for (const auto& m : run.epochs) seconds += std::isfinite(m.seconds) ? m.seconds : 0;
    summary += " after " + std::to_string(run.epochs.back().epoch) + (run.epochs.back().epoch == 1 ? " epoch" : " epochs");
    if (seconds > 0) summary += fmt(", %.1f s of training", seconds);
  }
  r.paragraph(summary + ".");
  if (!run.notes.empty()) r.bullets(run.notes);
  if (!run.epochs.empty()) {
    add_curves(r, run);
    add_metrics_table(r, run.epochs);
  }
  if (!run.kernels.empty())
    r.heading("First-layer kernels over the epochs")
        .paragraph("Blue is negative, white zero, red positive, on one scale for every epoch: " + run.kernels_layer + ".")
        .figures({{"report/kernels_filmstrip.png", "", kernel_filmstrip(run.kernels, ""), "", 0}});
  add_mistakes(r, test, p);
  for (const ReportSection& section : run.sections) section(r, model, test, norm, p);
  r.heading("Model").code(model.summary(input_shape));
  if (!run.settings.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [k, v] : run.settings) rows.push_back({k, v});
    r.heading("Settings").table({"setting", "value"}, rows, false);
  }
  if (!run.command.empty())
    r.heading("Reproduce").paragraph("This command trains the same model again, to the same bytes on the same number of threads:").code(run.command);
  return r;
}

}  // namespace minicnn
