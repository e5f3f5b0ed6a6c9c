// minicnn filters / kernels / featuremaps / analyze: pictures of filters and of what a network
// learned, and an analysis of its kernels against the classical filter bank.
#include <cmath>
#include <cstdio>
#include <optional>

#include <xtensor/xview.hpp>

#include "commands.hpp"
#include "common.hpp"
#include "minicnn/train/data_source.hpp"
#include "minicnn/core/text.hpp"
#include "minicnn/io/atomic_file.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/io/npy.hpp"
#include "minicnn/vision/analysis.hpp"
#include "minicnn/vision/filter_image.hpp"
#include "minicnn/vision/kernel_png.hpp"

namespace minicnn::cli {

namespace {

// ---- filters apply / list ----

struct FilterArgs {
  std::string image = "data/chelsea.png", filters = "edge,sharpen,blur", out = "runs/filters", normalize;
  std::vector<std::string> kernels, names;
  std::size_t size = 0, padding = 0, stride = 1;
  bool color = false, npy = false, filters_given = false, padding_given = false;
};

// What a mapping shows, for the montage's footnote.
const char* mapping_legend(Mapping m) {
  switch (m) {
    case Mapping::clip: return "clip: the response in pixel units, clamped to 0..255";
    case Mapping::abs: return "abs: |response|, scaled so the strongest 0.5% are white; black = no response";
    case Mapping::minmax: return "minmax: black = most negative, white = most positive; mid-grey is about zero";
  }
  return "";
}

// The image to filter: grey (8-bit BT.601 luma) or, with --color, its three channels.
Image filter_input(const FilterArgs& a) {
  Image img = with_channels(load_image(a.image), a.color ? 3 : 1);
  if (a.size > 0) {  // the longer side becomes --size, keeping the aspect ratio
    const double s = static_cast<double>(a.size) / static_cast<double>(std::max(img.width, img.height));
    img = resize_image(img, std::max<std::size_t>(1, std::lround(img.width * s)), std::max<std::size_t>(1, std::lround(img.height * s)));
  }
  return img;
}

// A kernel to apply: a bank filter (--filters) or values (--kernel), and the name of its files.
struct Applied {
  std::string name, option;  // option: "--filters edge" or "--kernel \"1,2;3,4\" (kernel1)", for messages
  Tensor kernel;
};

// Every kernel asked for, checked before anything is read or written: bank names (with a
// suggestion for a typo), --kernel values, and names that can be file names and differ.
std::vector<Applied> kernels_to_apply(const FilterArgs& a) {
  std::vector<Applied> out;
  if (a.filters_given || a.kernels.empty()) {
    const std::vector<std::string> names = split_list(a.filters);
    if (names.empty()) throw UsageError("--filters needs at least one filter name");
    for (const auto& n : names) try {
        out.push_back({n, "--filters " + n, filters::get(n).kernel});
      } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--filters: ") + e.what());
      }
  }
  if (a.names.size() > a.kernels.size())
    throw UsageError("--name: " + std::to_string(a.names.size()) + " names for " + std::to_string(a.kernels.size()) + " --kernel value" +
                     (a.kernels.size() == 1 ? "" : "s") + " (each --name names the --kernel of the same position)");
  for (std::size_t i = 0; i < a.kernels.size(); ++i) try {
      const std::string name = i < a.names.size() ? a.names[i] : "kernel" + std::to_string(i + 1);
      out.push_back({name, "--kernel \"" + a.kernels[i] + "\" (" + name + ")", parse_kernel(a.kernels[i])});
    } catch (const std::invalid_argument& e) {
      throw UsageError("--kernel \"" + a.kernels[i] + "\": " + e.what());
    }
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::string& n = out[i].name;
    if (n.empty() || n[0] == '.' || n.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != std::string::npos)
      throw UsageError("--name '" + n + "': it names the files " + n + ".png and .npy: use letters, digits, '_', '-' and '.'");
    if (n == "original" || n == "input" || n == "montage")
      throw UsageError("--name '" + n + "': taken by the file " + n + (n == "input" ? ".npy" : ".png") + " of every run");
    for (std::size_t j = 0; j < i; ++j)
      if (out[j].name == n) throw UsageError("two kernels are named '" + n + "': give each its own --name");
  }
  return out;
}

// One kernel over every channel: the responses (C, OH, OW), in the units of the [0, 1] input.
Tensor responses(const Tensor& planes, const Applied& k, const FilterArgs& a) {
  const Size2 pad = a.padding_given ? Size2(a.padding) : Size2(same_padding(k.kernel.shape(0)), same_padding(k.kernel.shape(1)));
  try {
    return apply_kernel(planes, k.kernel, a.stride, pad);
  } catch (const std::invalid_argument& e) {
    throw UsageError(k.option + ": " + e.what());
  }
}

// (C, H, W) as written to .npy: (H, W) for a grey image.
void save_npy(const std::string& path, Tensor t) {
  if (t.shape(0) == 1) t.reshape({t.shape(1), t.shape(2)});
  const std::string bytes = npy_bytes(t);
  write_file_atomic(path, bytes.data(), bytes.size());
}

// Montage panels are enlarged by a whole factor (nearest neighbour) until their longer side is at
// least this many pixels, so a small image (--size 64, a stride-2 response) stays readable.
constexpr std::size_t kPanelSide = 256;
std::string shown(const Image& img) {
  const std::size_t s = enlarge_factor(img, kPanelSide);
  return std::to_string(img.width) + "x" + std::to_string(img.height) + (s > 1 ? ", shown " + std::to_string(s) + "x" : "");
}

int run_apply(FilterArgs a) {
  std::string found_elsewhere;
  a.image = locate_data(a.image, "", &found_elsewhere);  // the data lookup rule (train/data_source.hpp)
  if (!found_elsewhere.empty()) std::printf("%s\n", found_elsewhere.c_str());
  const std::vector<Applied> ks = kernels_to_apply(a);
  std::optional<Mapping> forced;
  if (!a.normalize.empty()) forced = parse_mapping(a.normalize);
  const Image original = filter_input(a);
  const Tensor planes = image_planes(original);
  std::vector<Tensor> rs;
  for (const auto& k : ks) rs.push_back(responses(planes, k, a));  // every usage error before any file is written
  make_folders(a.out);
  save_png(a.out + "/original.png", original);
  if (a.npy) save_npy(a.out + "/input.npy", planes);
  std::vector<Panel> panels{{"original\n" + std::string(a.color ? "colour" : "grey (BT.601)") + ", " + shown(original),
                             enlarged(original, kPanelSide)}};
  std::vector<Mapping> used;
  std::printf("%s: %zux%zu %s\n", a.image.c_str(), original.width, original.height, a.color ? "colour, each channel filtered" : "grayscale (BT.601)");
  for (std::size_t k = 0; k < ks.size(); ++k) {
    const filters::Kind kind = filters::kind_of(ks[k].kernel);
    const Mapping m = forced ? *forced : default_mapping(kind);
    if (std::find(used.begin(), used.end(), m) == used.end()) used.push_back(m);
    const Image img = response_image(rs[k], m);
    const std::string path = a.out + "/" + ks[k].name + ".png";
    save_png(path, img);
    if (a.npy) save_npy(a.out + "/" + ks[k].name + ".npy", rs[k]);
    panels.push_back({ks[k].name + "\n" + filters::kind_name(kind) + ", " + mapping_name(m) + "\n" + shown(img), enlarged(img, kPanelSide),
                      kernel_card(ks[k].kernel)});
    std::printf("  %-10s %-10s mapping %-6s %4zux%-4zu -> %s\n", ks[k].name.c_str(), filters::kind_name(kind), mapping_name(m), img.width,
                img.height, path.c_str());
  }
  std::string foot = "each filter's kernel is drawn beside its name (blue < 0 < red); how responses became pixels:";
  for (const Mapping m : used) foot += std::string("\n  ") + mapping_legend(m);
  save_png(a.out + "/montage.png", montage(panels, foot));
  if (a.npy)
    std::printf("npy: %s/input.npy (the %s image as float32 in [0, 1]) and one <name>.npy per kernel (its response, float32, "
                "before display scaling)\n", a.out.c_str(), a.color ? "colour" : "grey");
  bool small = std::max(original.width, original.height) < kPanelSide;
  for (const auto& r : rs) small = small || std::max(r.shape(1), r.shape(2)) < kPanelSide;
  std::printf("montage: %s/montage.png%s\n", a.out.c_str(),
              small ? " (pictures under 256 px enlarged by a whole factor, nearest neighbour)" : "");
  return kExitOk;
}

int run_list() {
  for (const auto& f : filters::bank()) {
    std::printf("%-11s %-9s sum %+g  %s\n", f.name.c_str(), filters::kind_name(f.kind),
                std::round(static_cast<double>(xt::sum(f.kernel)()) * 1e6) / 1e6 + 0.0, f.description.c_str());  // + 0.0: no "-0"
    for (std::size_t i = 0; i < f.kernel.shape(0); ++i) {
      std::printf("    ");
      for (std::size_t j = 0; j < f.kernel.shape(1); ++j) std::printf(" %8.4f", static_cast<double>(f.kernel(i, j)));
      std::printf("\n");
    }
  }
  std::printf("aliases: edge = laplacian8, blur = box_blur, gaussian = gaussian3; gaborN = 5x5 Gabor at N degrees\n");
  return kExitOk;
}

// ---- kernels / featuremaps / analyze: a conv layer of a checkpoint ----

// The Conv2d at a --layer path ("3", or "3.body.0" inside a block); a usage error lists the conv layers.
Conv2d& conv_at(Sequential& m, const std::string& layer, const std::string& ckpt) {
  try {
    return minicnn::conv_at(m, layer);
  } catch (const std::invalid_argument& e) {  // "1 is a ReLU, not a Conv2d (...)", "no layer 30 (...)"
    throw UsageError("--layer " + layer + " of " + ckpt + ": " + e.what());
  }
}

struct KernelArgs {
  std::string checkpoint, out = "kernels.png", colormap = "diverging", scaling = "global", layer = "0", view = "auto";
  std::size_t scale = 16;
};

int run_kernels(const KernelArgs& a) {
  const std::string path = checkpoint_path(a.checkpoint);
  auto model = load_model(path);
  Conv2d& conv = conv_at(*model, a.layer, path);
  KernelImageOptions o;
  o.colormap = a.colormap == "gray" ? KernelImageOptions::ColorMap::grayscale : KernelImageOptions::ColorMap::diverging;
  o.scaling = a.scaling == "per-kernel" ? KernelImageOptions::Scaling::per_kernel : KernelImageOptions::Scaling::global;
  o.view = a.view == "rgb" ? KernelImageOptions::View::rgb
           : a.view == "channels" ? KernelImageOptions::View::per_channel
                                  : KernelImageOptions::View::automatic;
  if (o.view == KernelImageOptions::View::rgb && conv.options().in_channels() / conv.options().groups() != 3)
    throw UsageError("--view rgb needs a layer with 3 input channels; layer " + a.layer + " has " +
                     std::to_string(conv.options().in_channels() / conv.options().groups()));
  o.scale = a.scale;
  o.title = "layer " + a.layer + ": " + conv.name() + ", weight " + shape_str(conv.weight().value.shape());
  make_parent_folders(a.out);
  const KernelGrid g = save_kernels_png(conv, a.out, o);
  std::printf("%s: %zu x %zu tiles of %zux%zu px%s, values shown from %+.4g to %+.4g%s\n", a.out.c_str(), g.rows, g.cols,
              g.tile_w, g.tile_h, g.rgb ? " (RGB kernels)" : "", -static_cast<double>(g.range), static_cast<double>(g.range),
              o.scaling == KernelImageOptions::Scaling::per_kernel ? " (each kernel scaled to its own max |w|)" : "");
  return kExitOk;
}

struct FeatureArgs {
  std::string checkpoint, image, out = "runs/featuremaps", layer;
  bool raw = false, all_layers = false;
};

int run_featuremaps(const FeatureArgs& a) {
  const std::string path = checkpoint_path(a.checkpoint);
  CheckpointInfo info;
  auto model = load_model(path, &info);
  Image seen;
  const Tensor x = model_input(a.image, info.input_shape, read_data_record(info), a.raw, &seen);
  make_folders(a.out);
  save_png(a.out + "/input.png", enlarged(seen, 224));
  if (!a.layer.empty()) conv_at(*model, a.layer, path);  // a usage error before any file is written
  for (const auto& p : save_feature_maps_png(*model, x, a.out, a.layer, a.all_layers)) std::printf("%s\n", p.c_str());
  std::printf("input as the model saw it (enlarged): %s/input.png\n", a.out.c_str());
  return kExitOk;
}

struct AnalyzeArgs {
  std::string checkpoint, layer = "0";
};

int run_analyze(const AnalyzeArgs& a) {
  const std::string path = checkpoint_path(a.checkpoint);
  auto model = load_model(path);
  Conv2d& conv = conv_at(*model, a.layer, path);
  const auto ks = analyze_kernels(conv.weight().value);
  std::printf("%s layer %s: %s\n", path.c_str(), a.layer.c_str(), conv.name().c_str());
  std::printf("%-8s %-22s %6s %8s %8s %-10s %-38s %6s  %s\n", "kernel", "nearest filter", "|cos|", "residual", "DC gain", "pass",
              "orientation", "freq", "flags");
  std::size_t weak = 0;
  for (const auto& k : ks) {
    const std::string name = "k" + std::to_string(k.out_channel) + "." + std::to_string(k.in_channel);
    std::string flags = std::string(k.dead ? "dead " : "") + (k.duplicate_of >= 0 ? "duplicate of #" + std::to_string(k.duplicate_of) + " " : "");
    if (k.match.cosine < kClassicalCosine) flags += "no close classical match", ++weak;
    std::printf("%-8s %-22s %6.3f %8.3f %8.3f %-10s %-38s %6.3f  %s\n", name.c_str(), k.match.label().c_str(), k.match.cosine,
                k.match.residual, k.dc_gain, k.pass.c_str(), k.orientation.c_str(), k.frequency, flags.c_str());
  }
  std::printf(
      "\nkernel kO.I: output channel O, input channel I. nearest filter: the bank filter most like the kernel under the 8\n"
      "  rotations/flips and either sign (rot180 = turned half round, flip = mirrored left-right, - = negated).\n"
      "|cos|: how alike they are (1 = the same shape, 0 = unrelated), after removing each one's mean.\n"
      "residual: the part of the kernel the filter does not explain, sqrt(1 - cos^2). DC gain: the sum of the weights (the\n"
      "  response to a flat image). pass: low-pass if |sum| >= 0.5 sum|w|, high-pass if <= 0.1, else mixed (all-pass: one\n"
      "  non-zero weight); `minicnn filters list` gives the bank's filters their kind by the same rule.\n"
      "orientation, freq: the direction and spatial frequency (cycles per pixel, up to 0.71) of the kernel's strongest wave;\n"
      "  isotropic: no direction (the kernel, or the classical filter it looks like, is unchanged by a quarter turn).\n");
  std::printf("%zu of %zu kernels look like a classical filter (|cos| >= %.1f, the threshold `minicnn compare` uses too).\n",
              ks.size() - weak, ks.size(), static_cast<double>(kClassicalCosine));
  return kExitOk;
}

}  // namespace

namespace {

void add_filters_commands(CLI::App& app, Command& command) {
  auto fa = std::make_shared<FilterArgs>();
  CLI::App* filters_cmd = app.add_subcommand("filters", "the hand-coded filter bank: list it, or apply filters to a picture");
  filters_cmd->require_subcommand(1);
  CLI::App* apply = filters_cmd->add_subcommand("apply", "apply filters to an image with Conv2d; write each result and a montage");
  apply->add_option("image", fa->image, "PNG, JPEG, BMP, ... (default: the cat photo data/chelsea.png)")->capture_default_str();
  CLI::Option* filters_opt =
      apply->add_option("--filters", fa->filters, "comma-separated names (see 'minicnn filters list'); with --kernel, only if given")
          ->capture_default_str();
  apply->add_option("--kernel", fa->kernels,
                    "a kernel as values: rows separated by ';', values by ',', a value may be a fraction (\"0,-1,0;-1,5,-1;0,-1,0\", "
                    "\"1/9,1/9,1/9;1/9,1/9,1/9;1/9,1/9,1/9\"); any size up to 15x15; repeat for more kernels")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false);
  apply->add_option("--name", fa->names, "a name for a --kernel, in order: the first --name names the first --kernel "
                                         "(its files <name>.png and .npy; default kernel1, kernel2, ...)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false);
  CLI::Option* padding_opt =
      apply->add_option("--padding", fa->padding, "zeros added on every side (default: (k-1)/2 for a k x k kernel, which keeps "
                                                  "the size for odd k; an even k gives one pixel less)")
          ->check(whole_number(0, 64));
  apply->add_option("--stride", fa->stride, "step between kernel positions (2 halves the size)")->check(whole_number(1, 64))->capture_default_str();
  apply->add_flag("--npy", fa->npy, "also write input.npy (the image filtered, float32 in [0, 1]; (3, H, W) with --color) and "
                                    "<name>.npy per kernel (its response to input.npy, float32, before display scaling)");
  apply->add_option("--size", fa->size, "resize the image so its longer side is this many pixels before filtering (0: keep); "
                                        "the montage enlarges any picture under 256 px by a whole factor (nearest neighbour)")
      ->check(whole_number(0, kImageMaxSide))
      ->capture_default_str();
  apply->add_option("--normalize", fa->normalize,
                    "how responses become pixels: clip (clamp to 0..255), abs (|v| scaled so the 99.5th percentile is 255), "
                    "minmax (min..max to 0..255); default abs for high-pass filters, clip for the rest")
      ->check(CLI::IsMember({"clip", "abs", "minmax"}));
  apply->add_flag("--color", fa->color, "filter the red, green and blue channels each (default: the grey image)");
  apply->add_option("--out", fa->out, "folder to write")->capture_default_str();
  apply->footer(
      "examples:\n"
      "  minicnn filters apply                                       the cat photo through edge, sharpen, blur\n"
      "  minicnn filters apply me.jpg --filters sobel_x,sobel_y --size 256 --out runs/edges\n"
      "  minicnn filters apply me.jpg --filters blur --color        filter each colour channel\n"
      "  minicnn filters apply --kernel \"-1,-1,-1;-1,8,-1;-1,-1,-1\" --name edge \\\n"
      "      --kernel \"1/9,1/9,1/9;1/9,1/9,1/9;1/9,1/9,1/9\" --name blur --padding 1 --npy   your own kernels and their .npy\n"
      "  minicnn filters apply --filters sobel_x --stride 2 --padding 0\n"
  );
  command.register_run(apply, [fa, filters_opt, padding_opt](const std::string&) {
    fa->filters_given = filters_opt->count() > 0;
    fa->padding_given = padding_opt->count() > 0;
    return run_apply(*fa);
  });
  CLI::App* list = filters_cmd->add_subcommand("list", "print every filter with its kind and kernel values");
  list->footer(
      "examples:\n"
      "  minicnn filters list | less\n"
  );
  command.register_run(list, [](const std::string&) { return run_list(); });

}

void add_kernel_commands(CLI::App& app, Command& command) {
  auto ka = std::make_shared<KernelArgs>();
  CLI::App* kernels = app.add_subcommand("kernels", "draw a conv layer's kernels from a checkpoint as a PNG grid");
  kernels->add_option("checkpoint", ka->checkpoint, "model.npz, or a run folder")->required();
  kernels->add_option("--layer", ka->layer, "the conv layer: index or path such as 3.body.0")->capture_default_str();
  kernels->add_option("--out", ka->out, "PNG to write")->capture_default_str();
  kernels->add_option("--colormap", ka->colormap, "diverging (blue < 0 < red, zero white) or gray (zero mid-grey)")
      ->check(CLI::IsMember({"diverging", "gray"}))
      ->capture_default_str();
  kernels->add_option("--scaling", ka->scaling, "global (one range for all kernels) or per-kernel")
      ->check(CLI::IsMember({"global", "per-kernel"}))
      ->capture_default_str();
  kernels->add_option("--view", ka->view, "auto (rgb for 3 input channels), channels (a tile per input channel) or rgb")
      ->check(CLI::IsMember({"auto", "channels", "rgb"}))
      ->capture_default_str();
  kernels->add_option("--scale", ka->scale, "pixels per kernel tap")->check(whole_number(1, 256))->capture_default_str();
  kernels->footer(
      "examples:\n"
      "  minicnn kernels runs/mnist --out k.png                 the first conv layer\n"
      "  minicnn kernels runs/mnist --layer 3 --scaling per-kernel --out k3.png\n"
      "  minicnn kernels runs/photos --view channels --out k.png   one tile per input channel\n"
  );
  command.register_run(kernels, [ka](const std::string&) { return run_kernels(*ka); });

  auto fm = std::make_shared<FeatureArgs>();
  CLI::App* feat = app.add_subcommand("featuremaps", "draw the activations of every conv layer (or every layer) for one image");
  feat->add_option("checkpoint", fm->checkpoint, "model.npz, or a run folder")->required();
  feat->add_option("image", fm->image, "PNG, JPEG, BMP, ...")->required();
  feat->add_option("--out", fm->out, "folder to write")->capture_default_str();
  feat->add_flag("--raw", fm->raw, "only resize the image (no inversion, cropping or centring)");
  feat->add_option("--layer", fm->layer, "only this Conv2d: a layer index, or a path inside a block (3.body.0)");
  feat->add_flag("--all-layers", fm->all_layers, "every layer with image-shaped output (ReLU, pooling, ...), not only conv");
  feat->footer(
      "examples:\n"
      "  minicnn featuremaps runs/mnist my_digit.png --out runs/maps\n"
      "  minicnn featuremaps runs/mnist my_digit.png --all-layers --out runs/maps\n"
  );
  command.register_run(feat, [fm](const std::string&) { return run_featuremaps(*fm); });

}

void add_analyze_command(CLI::App& app, Command& command) {
  auto an = std::make_shared<AnalyzeArgs>();
  CLI::App* acmd = app.add_subcommand("analyze", "analyse every kernel of a conv layer against the classical filter bank");
  acmd->add_option("checkpoint", an->checkpoint, "model.npz, or a run folder")->required();
  acmd->add_option("--layer", an->layer, "the conv layer: index or path such as 3.body.0")->capture_default_str();
  acmd->footer(
      "examples:\n"
      "  minicnn analyze runs/mnist               the first conv layer against the filter bank\n"
      "  minicnn analyze runs/mnist --layer 3\n"
  );
  command.register_run(acmd, [an](const std::string&) { return run_analyze(*an); });
}

}  // namespace

void add_picture_commands(CLI::App& app, Command& command) {
  add_filters_commands(app, command);
  add_kernel_commands(app, command);  // kernels, featuremaps
  add_analyze_command(app, command);
}

}  // namespace minicnn::cli
