// minicnn compare / analyze: do learned filters look like hand-coded ones, and does learning them
// matter? Trains one architecture in several variants under the same seed, data order and
// hyper-parameters, analyses every first-layer kernel, and writes report.html and report.md.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include <xtensor/xview.hpp>

#include "commands.hpp"
#include "common.hpp"
#include "minicnn/vision/analysis.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/vision/filter_image.hpp"
#include "minicnn/vision/filters.hpp"
#include "minicnn/core/init.hpp"
#include "minicnn/vision/kernel_png.hpp"
#include "minicnn/core/registry.hpp"
#include "minicnn/optim/sgd.hpp"
#include "minicnn/core/threads.hpp"
#include "minicnn/train/train.hpp"
#include "data_source.hpp"
#include "minicnn/train/report.hpp"

namespace minicnn::cli {

namespace {

const std::vector<std::string> kVariants{"random", "handset-frozen", "handset-init", "random-frozen"};
const std::map<std::string, std::string> kColors{
    {"random", "#1f77b4"}, {"handset-frozen", "#d62728"}, {"handset-init", "#ff7f0e"}, {"random-frozen", "#2ca02c"}};
const std::map<std::string, std::string> kMeaning{
    {"random", "random init, everything learned (the baseline)"},
    {"handset-frozen", "first conv layer = classical filters, frozen; the rest learned"},
    {"handset-init", "first conv layer starts as classical filters and is fine-tuned"},
    {"random-frozen", "random first conv layer, frozen: the control for whether any fixed features are enough"}};

struct CompareArgs {
  std::string model = "lenet5", variants = "random,handset-frozen,handset-init,random-frozen", out = "runs/compare";
  std::string dataset = "auto", data;
  std::size_t epochs = 3, batch_size = 64, limit = 0, test_limit = 0, ablation_limit = 2000;
  float lr = 0.05f, momentum = 0.9f;
  std::uint64_t seed = 1;
  int threads = 0;
  bool force = false;
};

struct Variant {
  std::string name;
  std::vector<double> test_accuracy, test_loss, train_loss;  // per epoch
  std::vector<float> batch_loss;
  double seconds = 0;
  std::size_t learned = 0, total = 0;
  std::vector<std::string> handset;  // bank filters put into the first layer
  Tensor before, after;              // first conv weight
  std::vector<KernelInfo> kernels;
  Tensor maps;                       // first conv layer's output for the sample digit (C, H, W)
  std::size_t best_epoch() const {
    return static_cast<std::size_t>(std::max_element(test_accuracy.begin(), test_accuracy.end()) - test_accuracy.begin()) + 1;
  }
};

bool is_edge_family(const std::string& f) {
  for (const char* p : {"sobel", "prewitt", "scharr", "gabor", "laplacian"})
    if (f.rfind(p, 0) == 0) return true;
  return false;
}

std::string pct(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f%%", 100 * v);
  return b;
}
std::string fixed(double v, int digits = 2) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

// Each kernel as a row: before | after | nearest classical filter, and a label.
Image kernels_figure(const Variant& v, bool learned) {
  const std::size_t KH = v.after.shape(2), KW = v.after.shape(3), s = 16, gap = 12, n = v.kernels.size();
  const std::size_t tile_w = std::max<std::size_t>(KW * s, 56), tile_h = KH * s, text_w = 330;
  const std::size_t row_h = std::max(tile_h, kTextHeight * 2) + gap;
  Image img(gap + 3 * (tile_w + gap) + text_w, kTextHeight + 6 + n * row_h + gap, 3, 255);
  const std::uint8_t ink[3] = {0, 0, 0};
  draw_text(img, gap, 2, "before", ink);
  draw_text(img, gap + tile_w + gap, 2, learned ? "after" : "frozen", ink);
  draw_text(img, gap + 2 * (tile_w + gap), 2, "nearest", ink);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& k = v.kernels[i];
    const std::size_t y = kTextHeight + 6 + i * row_h, C = v.after.shape(1);
    const Tensor b = xt::view(v.before, k.out_channel, k.in_channel), a = xt::view(v.after, k.out_channel, k.in_channel);
    // Before and after share this row's scale, so the change is visible whatever the kernel's size.
    float m = std::max(static_cast<float>(xt::amax(xt::abs(b))()), static_cast<float>(xt::amax(xt::abs(a))()));
    if (m == 0) m = 1;
    blit(img, kernel_tile(b, m, s), gap, y);
    blit(img, kernel_tile(a, m, s), gap + tile_w + gap, y);
    const float mm = static_cast<float>(xt::amax(xt::abs(k.match.kernel))());
    blit(img, kernel_tile(k.match.kernel, mm > 0 ? mm : 1.f, s), gap + 2 * (tile_w + gap), y);
    const std::string name = "k" + std::to_string(k.out_channel) + (C > 1 ? "." + std::to_string(k.in_channel) : "");
    draw_text(img, gap + 3 * (tile_w + gap), y + 2, name + ": " + k.match.label() + "  |cos| " + fixed(k.match.cosine), ink);
    draw_text(img, gap + 3 * (tile_w + gap), y + 2 + kTextHeight, k.pass + ", " + k.orientation, ink);
  }
  return img;
}

std::vector<std::string> findings(const std::vector<Variant>& vs) {
  std::vector<std::string> out;
  const Variant* best = &vs[0];
  for (const auto& v : vs)
    if (v.test_accuracy.back() > best->test_accuracy.back()) best = &v;
  std::string acc = "Final test accuracy: ";
  for (std::size_t i = 0; i < vs.size(); ++i) acc += (i ? ", " : "") + vs[i].name + " " + pct(vs[i].test_accuracy.back());
  out.push_back(acc + "; the best is " + best->name + ".");
  const Variant* random = nullptr;
  for (const auto& v : vs)
    if (v.name == "random") random = &v;
  for (const auto& v : vs) {
    if (random && &v != random) {
      const double d = 100 * (v.test_accuracy.back() - random->test_accuracy.back());
      out.push_back(v.name + " ends " + fixed(std::abs(d)) + " points " + (d >= 0 ? "above" : "below") +
                    " the random baseline; " + v.name + ": " + kMeaning.at(v.name) + ".");
    }
  }
  for (const auto& v : vs) {
    if (v.name != "random" && v.name != "handset-init") continue;
    std::size_t edge = 0, blur = 0, strong = 0;
    double cos_sum = 0;
    for (const auto& k : v.kernels) {
      cos_sum += k.match.cosine;
      if (k.match.cosine > 0.6f) ++strong, edge += is_edge_family(k.match.filter) ? 1 : 0;
      if (k.pass == "low-pass") ++blur;
    }
    out.push_back(std::to_string(edge) + " of " + std::to_string(v.kernels.size()) + " " + v.name +
                  " first-layer kernels are closest to edge or line detectors with |cos| > 0.6 (" + std::to_string(strong) +
                  " match some classical filter that well; mean |cos| " + fixed(cos_sum / v.kernels.size()) + "); " +
                  std::to_string(blur) + (blur == 1 ? " is" : " are") + " low-pass.");
    if (v.name == "handset-init") {
      double drift = 0;
      for (const auto& k : v.kernels) drift += k.drift;
      const double d = drift / v.kernels.size();
      out.push_back(std::string("Fine-tuning ") + (d > 0.95 ? "barely moved" : d > 0.8 ? "kept close to" : "moved far from") +
                    " the hand-set kernels: their mean cosine to the starting filters is " + fixed(d, 3) + ".");
    }
  }
  for (const auto& v : vs) {
    std::size_t dead = 0, dup = 0;
    const KernelInfo* top = &v.kernels[0];
    for (const auto& k : v.kernels) {
      dead += k.dead, dup += k.duplicate_of >= 0;
      if (k.importance > top->importance) top = &k;
    }
    out.push_back(v.name + ": the most important kernel is k" + std::to_string(top->out_channel) + " (nearest " +
                  top->match.label() + ", |cos| " + fixed(top->match.cosine) + "); zeroing it costs " +
                  fixed(100 * top->importance) + " points of test accuracy" +
                  (dead || dup ? "; " + std::to_string(dead) + " dead and " + std::to_string(dup) + " duplicate kernels" : "") + ".");
  }
  return out;
}

int run_compare(const CompareArgs& a, const std::string& cmdline) {
  std::vector<std::string> chosen;
  {
    std::stringstream ss(a.variants);
    for (std::string v; std::getline(ss, v, ',');) {
      if (std::find(kVariants.begin(), kVariants.end(), v) == kVariants.end())
        throw UsageError("unknown variant '" + v + "' (expected random, handset-frozen, handset-init, random-frozen)");
      if (std::find(chosen.begin(), chosen.end(), v) == chosen.end()) chosen.push_back(v);
    }
  }
  if (chosen.empty()) throw UsageError("--variants names no variant");
  if (a.epochs == 0 || a.batch_size == 0) throw UsageError("--epochs and --batch-size must be at least 1");
  if (path_exists(a.out + "/report.html") && !a.force)
    throw UsageError(a.out + " already holds a report; choose another --out or pass --force to replace it");
  const int threads = a.threads > 0 ? a.threads : default_threads();
  set_num_threads(threads);
  const DataSource src = resolve_data(a.dataset, a.data);
  DataOptions o;
  o.dir = src.dir;
  o.idx_classes = idx_classes(src.dataset);
  DataSplits splits = load_data(o);
  Dataset train = std::move(splits.train), test = std::move(splits.test);
  const std::string dir = src.dir, spec = expand_preset(a.model, train.num_classes());
  truncate(train, a.limit);
  truncate(test, a.test_limit);
  Dataset ablation = test;
  truncate(ablation, a.ablation_limit);
  const Normalization norm = compute_normalization(train);
  const Shape input = train.sample_shape();
  make_folders(a.out + "/images");

  // A test digit to push through the first layer: the first test image.
  Tensor digit;
  std::vector<int> first_label;
  DataLoader(test, 1, false, 0, norm).load_batch(0, digit, first_label);
  Image digit_img(test.cols, test.rows, 1);
  std::copy(test.pixels.begin(), test.pixels.begin() + static_cast<long>(test.rows * test.cols), digit_img.pixels.begin());

  std::vector<Variant> results;
  for (const std::string& name : chosen) {
    Variant v;
    v.name = name;
    manual_seed(a.seed);
    auto model = build_model(spec, input);
    std::size_t ci = model->size();
    for (std::size_t i = 0; i < model->size() && ci == model->size(); ++i)
      if (dynamic_cast<Conv2d*>(&(*model)[i])) ci = i;
    if (ci == model->size()) throw UsageError("--model has no Conv2d layer to compare: " + spec);
    auto& conv = dynamic_cast<Conv2d&>((*model)[ci]);
    const bool handset = name.rfind("handset", 0) == 0, frozen = name.find("frozen") != std::string::npos;
    if (handset) {
      v.handset = filters::default_handset(conv.options().out_channels(), conv.options().kernel_size().h);
      try {
        filters::set_handset(conv, v.handset);
      } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--model does not suit the hand-set variants: ") + e.what());
      }
    }
    if (frozen) {
      conv.weight().frozen = true;
      if (conv.has_bias()) conv.bias().frozen = true;
    }
    v.before = conv.weight().value;
    v.total = model->num_parameters();
    v.learned = model->num_parameters(true);
    SGD opt(model->parameters(), a.lr, a.momentum);
    DataLoader loader(train, a.batch_size, true, a.seed, norm);  // the same order for every variant
    Trainer trainer(*model, opt, loader);
    LrSchedule cosine;
    cosine.kind = LrSchedule::Kind::cosine;
    trainer.set_schedule(cosine, a.lr, a.epochs);
    Progress progress;
    std::printf("variant %s: %s\n", name.c_str(), kMeaning.at(name).c_str());
    for (std::size_t e = 0; e < a.epochs; ++e) {
      const auto rep = trainer.run_epoch(e, 0, [&](const BatchReport& r) {
        v.batch_loss.push_back(r.loss);
        progress.update(r.epoch, a.epochs, r.batch, r.num_batches, r.running_loss, r.running_accuracy, r.images_per_second,
                        r.eta_seconds);
      });
      progress.finish();
      v.seconds += rep.seconds;
      const EvalResult ev = evaluate(*model, test, norm);
      v.test_accuracy.push_back(ev.accuracy());
      v.test_loss.push_back(ev.loss);
      v.train_loss.push_back(rep.train_loss);
      std::printf("  epoch %zu: train loss %.4f, test acc %.2f%% (%.1fs)\n", e + 1, rep.train_loss, 100 * ev.accuracy(), rep.seconds);
    }
    v.after = conv.weight().value;
    CheckpointInfo info;
    info.spec = model->spec();
    info.input_shape = input;
    info.extra_json = nlohmann::json{{"dataset", src.dataset},
                                     {"data", src.dir},
                                     {"normalize", normalization_json(norm)},
                                     {"classes", train.classes},
                                     {"eval_batch_size", 1000},
                                     {"variant", name},
                                     {"handset_filters", v.handset},
                                     {"training", {{"test_limit", a.test_limit}, {"seed", a.seed}, {"epochs", a.epochs}}}}
                          .dump();
    make_folders(a.out + "/" + name);
    save_checkpoint(a.out + "/" + name + "/model.npz", *model, info);
    v.kernels = analyze_kernels(v.after, v.before);
    ablate_kernels(conv, [&] { return evaluate(*model, ablation, norm).accuracy(); }, v.kernels);
    model->eval();
    const Tensor* h = &digit;
    for (std::size_t i = 0; i <= ci; ++i) h = &(*model)[i].forward(*h);
    v.maps = *h;
    v.maps.reshape({h->shape(1), h->shape(2), h->shape(3)});
    results.push_back(std::move(v));
  }

  // ---- figures ----
  std::vector<ChartSeries> acc, loss;
  for (const auto& v : results) {
    ChartSeries s{v.name, kColors.at(v.name), {}, {}, true}, l{v.name, kColors.at(v.name), {}, {}, false};
    for (std::size_t e = 0; e < v.test_accuracy.size(); ++e) s.points.emplace_back(e + 1, 100 * v.test_accuracy[e]);
    // Loss per batch, smoothed over a window of 1% of the run so the curves can be told apart.
    const std::size_t n = v.batch_loss.size(), w = std::max<std::size_t>(1, n / 100), per_epoch = n / a.epochs;
    for (std::size_t i = 0; i + w <= n; i += w) {
      double m = 0;
      for (std::size_t k = i; k < i + w; ++k) m += v.batch_loss[k];
      l.points.emplace_back(static_cast<double>(i + w / 2) / std::max<std::size_t>(per_epoch, 1), m / w);
    }
    acc.push_back(s);
    loss.push_back(l);
  }
  const std::string acc_svg = svg_line_chart(acc, {"Test accuracy after each epoch", "epoch", "test accuracy (%)", 720, 360, 0, 0, true});
  const std::string loss_svg = svg_line_chart(loss, {"Training loss per batch (smoothed)", "epoch", "cross-entropy loss"});
  write_text_atomic(a.out + "/images/accuracy.svg", acc_svg);
  write_text_atomic(a.out + "/images/loss.svg", loss_svg);
  save_png(a.out + "/images/sample_digit.png", digit_img);
  std::map<std::string, std::string> kernel_png, maps_png;
  for (const auto& v : results) {
    const Image k = kernels_figure(v, v.name.find("frozen") == std::string::npos);
    save_png(a.out + "/images/kernels_" + v.name + ".png", k);
    kernel_png[v.name] = encode_png(k);
    const Image m = render_feature_maps(v.maps, "first conv layer, " + v.name, 84);
    save_png(a.out + "/images/featuremaps_" + v.name + ".png", m);
    maps_png[v.name] = encode_png(m);
  }

  // ---- the report, in HTML (self-contained) and Markdown (images beside it) ----
  const auto facts = findings(results);
  const nlohmann::json env = environment_info();
  std::ostringstream html, md;
  html << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>minicnn: learned vs hand-coded filters</title>\n"
       << "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
          "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:4px 8px;text-align:right}"
          "th{background:#eee}td:first-child,th:first-child{text-align:left}img{image-rendering:pixelated}"
          ".fig{display:inline-block;vertical-align:top;margin:0 1.5em 1em 0}code{background:#f4f4f4;padding:1px 4px}</style>\n"
       << "</head><body>\n<h1>Learned vs hand-coded filters</h1>\n<p>" << html_escape(spec) << " on " << html_escape(dir) << " ("
       << train.size() << " training / " << test.size() << " test images), " << a.epochs << " epochs, seed " << a.seed << ".</p>\n";
  md << "# Learned vs hand-coded filters\n\n`" << spec << "` on " << dir << " (" << train.size() << " training / " << test.size()
     << " test images), " << a.epochs << " epochs, seed " << a.seed << ".\n\n";
  html << "<h2>Findings</h2>\n<ul>\n";
  md << "## Findings\n\n";
  for (const auto& f : facts) html << "<li>" << html_escape(f) << "</li>\n", md << "- " << f << "\n";
  html << "</ul>\n<h2>Results</h2>\n<table><tr><th>variant</th><th>final test accuracy</th><th>best epoch</th>"
          "<th>training seconds</th><th>parameters learned</th><th>what it is</th></tr>\n";
  md << "\n## Results\n\n| variant | final test accuracy | best epoch | training seconds | parameters learned | what it is |\n"
        "|---|---|---|---|---|---|\n";
  for (const auto& v : results) {
    const std::string learned = std::to_string(v.learned) + " of " + std::to_string(v.total);
    html << "<tr><td>" << v.name << "</td><td>" << pct(v.test_accuracy.back()) << "</td><td>" << v.best_epoch() << "</td><td>"
         << fixed(v.seconds, 1) << "</td><td>" << learned << "</td><td style=\"text-align:left\">" << html_escape(kMeaning.at(v.name))
         << "</td></tr>\n";
    md << "| " << v.name << " | " << pct(v.test_accuracy.back()) << " | " << v.best_epoch() << " | " << fixed(v.seconds, 1) << " | "
       << learned << " | " << kMeaning.at(v.name) << " |\n";
  }
  html << "</table>\n<div class=\"fig\">" << acc_svg << "</div><div class=\"fig\">" << loss_svg << "</div>\n";
  md << "\n![test accuracy per epoch](images/accuracy.svg)\n\n![training loss per batch](images/loss.svg)\n";

  html << "<h2>First-layer kernels: before, after, and the nearest classical filter</h2>\n<p>Blue is negative, white zero, "
          "red positive; before and after share one scale per row. The nearest filter is the bank filter (any rotation, "
          "flip or sign) with the highest |cosine| once both means are removed.</p>\n";
  md << "\n## First-layer kernels: before, after, and the nearest classical filter\n\nBlue negative, white zero, red "
        "positive; before and after share one scale per row.\n\n";
  for (const auto& v : results) {
    html << "<div class=\"fig\"><h3>" << v.name << "</h3><img alt=\"kernels of " << v.name << "\" src=\"data:image/png;base64,"
         << base64(kernel_png[v.name]) << "\"></div>\n";
    md << "### " << v.name << "\n\n![kernels of " << v.name << "](images/kernels_" << v.name << ".png)\n\n";
  }
  html << "<h2>One test digit through the first layer</h2>\n<div class=\"fig\"><h3>input</h3><img width=\"112\" alt=\"digit\" "
          "src=\"data:image/png;base64,"
       << base64(encode_png(digit_img)) << "\"></div>\n";
  md << "## One test digit through the first layer\n\n![input digit](images/sample_digit.png)\n\n";
  for (const auto& v : results) {
    html << "<div class=\"fig\"><h3>" << v.name << (v.name.rfind("handset", 0) == 0 ? " (hand-coded start)" : "")
         << "</h3><img alt=\"feature maps " << v.name << "\" src=\"data:image/png;base64," << base64(maps_png[v.name]) << "\"></div>\n";
    md << "![feature maps, " << v.name << "](images/featuremaps_" << v.name << ".png)\n";
  }
  html << "<h2>Per-kernel analysis</h2>\n<p>pass: low-pass if |sum| &ge; 0.5 &middot; sum|w|, high-pass if &le; 0.15, else mixed. "
          "Orientation and frequency: the strongest component of the kernel's 2-D DFT. Drift: cosine to the kernel before "
          "training. Importance: test-accuracy drop (on "
       << ablation.size() << " test images) when the kernel's channel is zeroed.</p>\n";
  md << "\n## Per-kernel analysis\n\nImportance: test-accuracy drop on " << ablation.size()
     << " test images when the kernel's channel is zeroed. Drift: cosine to the kernel before training.\n";
  for (const auto& v : results) {
    html << "<h3>" << v.name << "</h3>\n<table><tr><th>kernel</th><th>nearest filter</th><th>|cos|</th><th>residual</th>"
            "<th>DC gain</th><th>pass</th><th>orientation</th><th>freq (cyc/px)</th><th>drift</th><th>importance</th><th>flags</th></tr>\n";
    md << "\n### " << v.name << "\n\n| kernel | nearest filter | abs cos | residual | DC gain | pass | orientation | freq | drift | importance | flags |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& k : v.kernels) {
      const std::string flags = std::string(k.dead ? "dead " : "") +
                                (k.duplicate_of >= 0 ? "duplicate of k" + std::to_string(v.kernels[k.duplicate_of].out_channel) : "");
      const std::string cells[] = {"k" + std::to_string(k.out_channel), k.match.label(), fixed(k.match.cosine), fixed(k.match.residual),
                                   fixed(k.dc_gain, 3), k.pass, k.orientation, fixed(k.frequency, 2), fixed(k.drift, 3),
                                   fixed(100 * k.importance) + " pts", flags};
      html << "<tr>";
      md << "|";
      for (const auto& c : cells) html << "<td>" << html_escape(c) << "</td>", md << " " << c << " |";
      html << "</tr>\n";
      md << "\n";
    }
    html << "</table>\n";
  }
  html << "<h2>Reproduce</h2>\n<p><code>" << html_escape(cmdline) << "</code></p>\n<table>";
  md << "\n## Reproduce\n\n```\n" << cmdline << "\n```\n\n| | |\n|---|---|\n";
  const std::vector<std::pair<std::string, std::string>> repro{
      {"model", spec}, {"seed", std::to_string(a.seed)}, {"threads", std::to_string(threads)},
      {"optimiser", "SGD lr " + fixed(a.lr, 3) + " momentum " + fixed(a.momentum, 2) + ", cosine schedule, batch " + std::to_string(a.batch_size)},
      {"inputs", "normalised: " + norm.str()},
      {"hand-set filters", results.empty() ? "" : [&] {
         for (const auto& v : results)
           if (!v.handset.empty()) {
             std::string s;
             for (const auto& f : v.handset) s += (s.empty() ? "" : ", ") + f;
             return s;
           }
         return std::string("(none)");
       }()},
      {"date", env["date"]}, {"cpu", env["cpu"]}, {"os", env["os"]}, {"compiler", env["compiler"]}, {"openblas", env["openblas"]},
      {"minicnn", env["minicnn"]}};
  for (const auto& [k, val] : repro) {
    html << "<tr><td>" << html_escape(k) << "</td><td style=\"text-align:left\">" << html_escape(val) << "</td></tr>\n";
    md << "| " << k << " | " << val << " |\n";
  }
  html << "</table>\n</body></html>\n";
  write_text_atomic(a.out + "/report.md", md.str());
  write_text_atomic(a.out + "/report.html", html.str());
  std::printf("\n");
  for (const auto& f : facts) std::printf("- %s\n", f.c_str());
  std::printf("\nreport: %s/report.html (self-contained) and %s/report.md\n", a.out.c_str(), a.out.c_str());
  return kExitOk;
}

}  // namespace

void add_compare_commands(CLI::App& app, Command& command) {
  auto c = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand("compare", "train hand-set vs learned first layers side by side and write a report");
  cmd->add_option("--model", c->model, "lenet5, small, or a spec whose first layer is a conv")->capture_default_str();
  cmd->add_option("--dataset", c->dataset, "what --data holds (auto detects it); without --data, mnist reads data/mnist")
      ->check(CLI::IsMember({"auto", "mnist", "fashion-mnist", "folder", "cifar10"}))
      ->capture_default_str();
  cmd->add_option("--data", c->data, "the data folder (IDX files, CIFAR-10 batches or class folders)");
  cmd->add_option("--variants", c->variants, "comma-separated: random, handset-frozen, handset-init, random-frozen")->capture_default_str();
  cmd->add_option("--epochs", c->epochs, "epochs per variant")->capture_default_str()->check(whole_number(1, 100000));
  cmd->add_option("--batch-size", c->batch_size, "images per SGD step")->capture_default_str()->check(whole_number(1, 65536));
  cmd->add_option("--lr", c->lr, "learning rate (cosine schedule)")->capture_default_str()->check(real_number(0, 1e6));
  cmd->add_option("--momentum", c->momentum, "SGD momentum")->capture_default_str()->check(real_number(0, 0.999));
  cmd->add_option("--seed", c->seed, "seed: the same initialisation and data order for every variant")->capture_default_str()->check(whole_number(0, 4611686018427387904ull));
  cmd->add_option("--threads", c->threads, "threads (default: all cores)")->check(whole_number(1, 1024));
  cmd->add_option("--limit", c->limit, "train on the first N images only (0: all)")->check(whole_number(0, 1000000000));
  cmd->add_option("--test-limit", c->test_limit, "test on the first N images only (0: all)")->check(whole_number(0, 1000000000));
  cmd->add_option("--ablation-limit", c->ablation_limit, "test images used to measure kernel importance")->capture_default_str()->check(whole_number(1, 1000000000));
  cmd->add_option("--out", c->out, "folder for the report, images and each variant's checkpoint")->capture_default_str();
  cmd->add_flag("--force", c->force, "replace an existing report");
  cmd->footer(
      "examples:\n"
      "  minicnn compare --epochs 3 --out runs/compare\n"
      "  minicnn compare --model small --variants random,handset-frozen --out runs/c2\n"
  );
  command.register_run(cmd, [c](const std::string& cmdline) { return run_compare(*c, cmdline); });

}

}  // namespace minicnn::cli
