// The filter experiment: the report's sections about the first layer itself: the hand-set filters
// and their scale, what the learned kernels became (beside their nearest classical filter), and
// one test image through each variant's first layer.
#include <cmath>
#include <set>

#include <xtensor/xview.hpp>

#include "minicnn/experiment/compare.hpp"
#include "minicnn/train/report.hpp"
#include "minicnn/vision/filter_image.hpp"
#include "minicnn/vision/kernel_png.hpp"

namespace minicnn::compare {

namespace {

double l2(const Tensor& t) {
  double s = 0;
  for (const float v : t) s += static_cast<double>(v) * v;
  return std::sqrt(s);
}

Figure text_cell(const std::string& text) { return {"", text, {}, "", 0}; }

std::string kernel_name(const KernelInfo& k, std::size_t channels) {
  static const char* rgb[] = {"R", "G", "B"};
  std::string n = "k" + std::to_string(k.out_channel);
  if (channels == 3) return n + " " + rgb[k.in_channel];
  return channels > 1 ? n + "." + std::to_string(k.in_channel) : n;
}

// One row per filter of the hand-set list: its kind, and its L2 norm and DC gain raw and as set.
void scale_table(Report& r, const Experiment& e) {
  const Conv2dOptions layer(e.input[0], 1, 3);  // the init targets do not depend on the size
  const auto w = filters::channel_weights(e.input[0], e.handset_options.color);
  double ww = 0, wsum = 0;
  for (const float c : w) ww += static_cast<double>(c) * c, wsum += c;
  std::vector<std::vector<std::string>> rows;
  std::set<std::string> seen;
  for (const auto& name : e.handset) {
    if (!seen.insert(name).second) continue;
    const filters::Filter f = filters::get(name);
    double sum = 0;
    for (const float v : f.kernel) sum += v;
    const double norm = l2(f.kernel) * std::sqrt(ww), dc = sum * wsum;
    const double s = e.handset_options.scale == filters::HandsetScale::raw    ? 1.0
                     : e.handset_options.scale == filters::HandsetScale::unit ? 1.0 / norm
                                                                              : filters::init_scale(layer, norm, dc);
    rows.push_back({name, filters::kind_name(f.kind), f.description, fixed(norm, 3), fixed(std::abs(dc), 3),
                    fixed(norm * s, 3), fixed(std::abs(dc) * s, 3)});
  }
  r.table({"filter", "kind", "what it does", "L2 norm, raw", "DC gain, raw", "L2 norm as set", "DC gain as set"}, rows);
}

}  // namespace

void add_scale_section(Report& r, const std::vector<VariantResult>& results, const ReportInput& in) {
  const Experiment& e = *in.experiment;
  bool handset = false;
  for (const auto& v : results) handset = handset || variant_info(v.name).handset;
  if (!handset) return;
  const std::size_t C = e.input[0];
  const std::string scale = filters::scale_name(e.handset_options.scale), color = filters::color_name(e.handset_options.color);
  r.heading("Hand-set filters and their scale");
  r.paragraph("Textbook filters are far larger than a random initialisation (Sobel has weights of ±2, Scharr ±10; Conv2d "
              "draws its weights from U(-b, b), b = 1/sqrt(fan_in)). Put in as they are, they measure magnitude, not shape. "
              "So by default (--handset-scale init) every hand-set kernel — one output channel's C x K x K weights — is "
              "rescaled to the L2 norm a kernel of the layer's random initialisation has, but to no more than the DC gain (the "
              "sum of its weights: its answer to a flat patch) such a kernel has: scale = min(n / ||k||, d / |sum k|), where "
              "n = sqrt(E ||w||²) = sqrt(fan_in · b² / 3) and d = sqrt(E (sum w)²) = the same, 1/sqrt(3) ≈ 0.577, since "
              "fan_in = C·K·K independent weights of mean 0 and variance b²/3. The norm alone is fair to edge filters, whose "
              "weights sum to 0; but a blur puts all of its norm into its DC gain (gaussian5 at norm 0.577 would answer a flat "
              "patch 2.1 times as strongly as a random kernel does on average, a 5x5 box 2.9 times), and frozen blurs at that "
              "scale made the layers after them learn far slower. 'unit' scales every kernel to norm 1 and 'raw' keeps the "
              "textbook values. This run: '" + scale + "'.");
  r.paragraph(C == 1 ? std::string("The first layer reads one (grey) channel: each kernel is the filter itself.")
                     : "Colour first layer (" + std::to_string(C) + " input channels), --handset-color " + color + ": " +
                           (color == "luma" && C == 3
                                ? "R, G and B get the filter times 0.299, 0.587 and 0.114, so the kernel applies the filter "
                                  "to the luminance (ITU-R BT.601) of the normalised channels."
                                : "every channel gets the filter divided by " + std::to_string(C) +
                                      ", so the kernel applies it to the plain average of the channels."));
  scale_table(r, e);
  const VariantResult *raw = find_variant(results, "handset-frozen-raw"), *fair = find_variant(results, "handset-frozen");
  if (raw && fair) {
    r.paragraph(flattens_others(results, raw->name)
                    ? "The same frozen filters at the two scales (handset-frozen-raw is left out of the charts above: drawn there, "
                      "its loss or accuracy would stretch the scale to more than twice the others' range and flatten their lines):"
                    : "The same frozen filters at the two scales (handset-frozen-raw is also drawn in the charts above):");
    std::vector<std::vector<std::string>> rows;
    for (const auto* v : {fair, raw})
      rows.push_back({v->name, v == raw ? std::string("raw") : scale, num_pm(first_epoch_train_loss(*v), 3), pct_pm(final_accuracy(*v))});
    r.table({"variant", "scale", "first-epoch train loss", "final test accuracy"}, rows);
  }
}

namespace {

// Learned kernels of one variant (first seed): before, after and the nearest classical filter
// drawn side by side, with the numbers as text.
void learned_table(Report& r, const VariantResult& v) {
  const SeedRun& run = v.runs.front();
  const std::size_t K = run.after.shape(2), C = run.after.shape(1), s = std::max<std::size_t>(16, 64 / K);
  std::vector<std::vector<Figure>> rows;
  for (std::size_t i = 0; i < run.kernels.size(); ++i) {
    const auto& k = run.kernels[i];
    const Tensor b = xt::view(run.before, k.out_channel, k.in_channel), a = xt::view(run.after, k.out_channel, k.in_channel);
    float m = std::max(static_cast<float>(xt::amax(xt::abs(b))()), static_cast<float>(xt::amax(xt::abs(a))()));
    const float mm = k.match.kernel.size() ? static_cast<float>(xt::amax(xt::abs(k.match.kernel))()) : 0.f;
    const std::string base = "images/kernels_" + v.name + "_" + std::to_string(i);
    const std::string name = kernel_name(k, C);
    rows.push_back({text_cell(name),
                    {base + "_before.png", name + " before training", kernel_tile(b, m > 0 ? m : 1.f, s), "", 0},
                    {base + "_after.png", name + " after training", kernel_tile(a, m > 0 ? m : 1.f, s), "", 0},
                    {base + "_nearest.png", "nearest classical filter " + k.match.label(), kernel_tile(k.match.kernel, mm > 0 ? mm : 1.f, s), "", 0},
                    text_cell(k.match.label()), text_cell(fixed(k.match.cosine, 2)), text_cell(k.pass), text_cell(k.orientation),
                    text_cell(fixed(k.cosine_to_start, 3)), text_cell(fixed(100 * k.importance, 2))});
  }
  r.picture_table({"kernel", "before", "after", "nearest filter", "which", "|cos|", "kind", "orientation", "cosine to start",
                   "importance (pts)"},
                  rows);
}

// The frozen first layers side by side: one row per kernel, one column per frozen variant (each on
// its own colour scale, named in its header), and the hand-set filter the row holds. Grey layers
// only: a colour layer's kernels are drawn as one RGB grid per variant instead.
void frozen_table(Report& r, const std::vector<const VariantResult*>& frozen, const std::vector<std::string>& handset) {
  const Tensor& first = frozen.front()->runs.front().after;
  const std::size_t n = first.shape(0), s = std::max<std::size_t>(16, 64 / first.shape(2));
  std::vector<std::string> header{"kernel"};
  std::vector<float> range;
  bool named = false;
  for (const auto* v : frozen) {
    const float m = static_cast<float>(xt::amax(xt::abs(v->runs.front().after))());
    range.push_back(m > 0 ? m : 1.f);
    header.push_back(v->name + " (±" + fixed(range.back(), 3) + ")");
    named = named || !v->handset.empty();
  }
  if (named) header.push_back("hand-set filter");
  std::vector<std::vector<Figure>> rows;
  for (std::size_t o = 0; o < n; ++o) {
    const std::string k = "k" + std::to_string(o);
    std::vector<Figure> row{text_cell(k)};
    for (std::size_t j = 0; j < frozen.size(); ++j)
      row.push_back({"images/kernels_" + frozen[j]->name + "_" + std::to_string(o) + ".png", frozen[j]->name + " " + k,
                     kernel_tile(xt::view(frozen[j]->runs.front().after, o, 0), range[j], s), "", 0});
    if (named) row.push_back(text_cell(o < handset.size() ? handset[o] : ""));
    rows.push_back(row);
  }
  r.picture_table(header, rows);
}

}  // namespace

void add_kernel_sections(Report& r, const std::vector<VariantResult>& results, const ReportInput& in) {
  const Experiment& e = *in.experiment;
  r.heading("What the learned kernels became");
  r.paragraph("Each learned first-layer kernel of the first seed (" + std::to_string(e.seeds.front()) + "): before training, after, "
              "and the bank filter most like it (under any rotation, flip or sign, both means removed; |cos| 1 is the same shape, "
              "0 unrelated). Blue is negative, white zero, red positive; before and after share one scale per row. Kind: "
              "low-pass if |sum w| >= 0.5 sum|w|, high-pass if <= 0.1, else mixed — the rule `minicnn filters list` uses. "
              "Orientation: the strongest wave of the kernel's 2-D DFT. Cosine to start: 1 means unchanged. Importance: "
              "test accuracy lost when the kernel's channel is zeroed.");
  std::vector<const VariantResult*> frozen;
  for (const auto& v : results) {
    if (v.runs.empty()) continue;
    if (variant_info(v.name).frozen) {
      frozen.push_back(&v);
      continue;
    }
    r.heading(v.name, 3);
    learned_table(r, v);
  }
  if (!frozen.empty()) {
    r.heading("Frozen first layers", 3);
    r.paragraph(std::string("Frozen, so these kernels are where training started and ended (first seed). ") +
                (e.input[0] == 1 ? "Each column has its own colour scale, given in its header: blue -max, white 0, red +max."
                                 : "Each grid has its own colour scale, in its legend."));
    if (e.input[0] == 1) {
      frozen_table(r, frozen, e.handset);
    } else {
      std::vector<Figure> grids;
      for (const auto* v : frozen)
        grids.push_back({"images/kernels_" + v->name + ".png", v->name + ": " + (v->handset.empty() ? "random" : join(v->handset)),
                         render_kernels(v->runs.front().after), "", 0});
      r.figures(grids);
    }
  }
  r.heading("One test image through the first layer");
  const Dataset& t = *e.data.test;
  Image img(t.cols, t.rows, t.channels);
  for (std::size_t c = 0; c < t.channels; ++c)
    for (std::size_t p = 0; p < t.rows * t.cols; ++p) img.pixels[p * t.channels + c] = t.pixels[c * t.rows * t.cols + p];
  std::vector<Figure> maps{{"images/sample.png", "the input (first test image)", img, "", static_cast<int>(std::max<std::size_t>(112, t.cols))}};
  for (const auto& v : results)
    maps.push_back({"images/featuremaps_" + v.name + ".png", v.name + ": first conv layer's output", render_feature_maps(v.maps, v.name, 84), "", 0});
  r.figures(maps);
}

}  // namespace minicnn::compare
