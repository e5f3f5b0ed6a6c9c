// minicnn filters / kernels / featuremaps: pictures of filters and of what a network learned.
#include <cmath>
#include <cstdio>
#include <optional>

#include <xtensor/xview.hpp>

#include "commands.hpp"
#include "common.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/vision/filter_image.hpp"
#include "minicnn/vision/kernel_png.hpp"

namespace minicnn::cli {

namespace {

struct FilterArgs {
  std::string image = "data/chelsea.png", filters = "edge,sharpen,blur", out = "runs/filters", normalize;
  std::size_t size = 0;
};

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == ',') {
      if (i > start) parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  return parts;
}

int run_apply(FilterArgs a) {
  if (a.image == "data/chelsea.png" && !path_exists(a.image)) a.image = std::string(MINICNN_SOURCE_DIR) + "/data/chelsea.png";
  const std::vector<std::string> names = split_commas(a.filters);
  if (names.empty()) throw UsageError("--filters needs at least one filter name");
  std::vector<filters::Filter> fs;
  for (const auto& n : names) {
    try {
      fs.push_back(filters::get(n));
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }
  std::optional<Mapping> forced;
  if (!a.normalize.empty()) forced = parse_mapping(a.normalize);
  Tensor gray = to_grayscale(load_image(a.image));
  if (a.size > 0) {  // the longer side becomes --size, keeping the aspect ratio
    const double s = static_cast<double>(a.size) / static_cast<double>(std::max(gray.shape(0), gray.shape(1)));
    gray = resize(gray, std::max<std::size_t>(1, std::lround(gray.shape(0) * s)),
                  std::max<std::size_t>(1, std::lround(gray.shape(1) * s)));
  }
  // Filter the 8-bit grayscale image itself (what original.png holds), as an image tool would.
  gray = xt::round(xt::clip(gray, 0.f, 255.f));
  make_dirs(a.out);
  const Tensor responses = apply_filters(gray, names);  // (K, H, W)
  const Image original = gray_image(gray);
  save_png(a.out + "/original.png", original);
  std::vector<std::pair<std::string, Image>> panels{{"original", original}};
  std::printf("%s: %zux%zu grayscale (BT.601)\n", a.image.c_str(), gray.shape(1), gray.shape(0));
  for (std::size_t k = 0; k < fs.size(); ++k) {
    Tensor r = xt::view(responses, k);
    const Mapping m = forced ? *forced : default_mapping(fs[k].kind);
    const Image img = gray_image(map_to_pixels(r, m));
    const std::string path = a.out + "/" + names[k] + ".png";
    save_png(path, img);
    panels.emplace_back(names[k], img);
    std::printf("  %-10s %-10s mapping %-6s -> %s\n", names[k].c_str(), filters::kind_name(fs[k].kind), mapping_name(m),
                path.c_str());
  }
  save_png(a.out + "/montage.png", montage(panels));
  std::printf("montage: %s/montage.png\n", a.out.c_str());
  return kExitOk;
}

int run_list() {
  for (const auto& f : filters::bank()) {
    std::printf("%-11s %-9s sum %+g  %s\n", f.name.c_str(), filters::kind_name(f.kind),
                std::round(static_cast<double>(xt::sum(f.kernel)()) * 1e6) / 1e6, f.description.c_str());
    for (std::size_t i = 0; i < f.kernel.shape(0); ++i) {
      std::printf("    ");
      for (std::size_t j = 0; j < f.kernel.shape(1); ++j) std::printf(" %8.4f", static_cast<double>(f.kernel(i, j)));
      std::printf("\n");
    }
  }
  std::printf("aliases: edge = laplacian8, blur = box_blur, gaussian = gaussian3; gaborN = 5x5 Gabor at N degrees\n");
  return kExitOk;
}

struct KernelArgs {
  std::string checkpoint, out = "kernels.png", colormap = "diverging", scaling = "global", layer = "0";
  std::size_t scale = 16;
};

// The Conv2d at a --layer path ("3", or "3.body.0" inside a block); a usage error lists the conv layers.
Conv2d& conv_at(Sequential& m, const std::string& layer, const std::string& ckpt) {
  try {
    return minicnn::conv_at(m, layer);
  } catch (const std::invalid_argument& e) {  // "<path> is not a Conv2d (conv layers: ...)"
    throw UsageError("--layer " + layer + " of " + ckpt + std::string(e.what()).substr(layer.size()));
  }
}

int run_kernels(const KernelArgs& a) {
  auto model = load_model(a.checkpoint);
  Conv2d& conv = conv_at(*model, a.layer, a.checkpoint);
  KernelImageOptions o;
  o.colormap = a.colormap == "gray" ? KernelImageOptions::ColorMap::grayscale : KernelImageOptions::ColorMap::diverging;
  o.scaling = a.scaling == "per-kernel" ? KernelImageOptions::Scaling::per_kernel : KernelImageOptions::Scaling::global;
  o.scale = a.scale;
  o.title = "layer " + a.layer + ": " + conv.name();
  const KernelGrid g = save_kernels_png(conv, a.out, o);
  std::printf("%s: %zu x %zu tiles of %zux%zu px, values shown from %+.4g to %+.4g%s\n", a.out.c_str(), g.rows, g.cols,
              g.tile_h, g.tile_w, -static_cast<double>(g.range), static_cast<double>(g.range),
              o.scaling == KernelImageOptions::Scaling::per_kernel ? " (each kernel scaled to its own max |w|)" : "");
  return kExitOk;
}

struct FeatureArgs {
  std::string checkpoint, image, out = "runs/featuremaps", layer;
  bool raw = false;
};

int run_featuremaps(const FeatureArgs& a) {
  CheckpointInfo info;
  auto model = load_model(a.checkpoint, &info);
  Tensor px;
  const Tensor x = model_input(a.image, info.input_shape, checkpoint_normalization(nlohmann::json::parse(info.extra_json)),
                               a.raw, &px);
  make_dirs(a.out);
  save_png(a.out + "/input.png", gray_image(px));
  if (!a.layer.empty()) conv_at(*model, a.layer, a.checkpoint);  // a usage error before any file is written
  for (const auto& p : save_feature_maps_png(*model, x, a.out, a.layer)) std::printf("%s\n", p.c_str());
  std::printf("input as the model saw it: %s/input.png\n", a.out.c_str());
  return kExitOk;
}

}  // namespace

void add_picture_commands(CLI::App& app, Command& command) {
  auto fa = std::make_shared<FilterArgs>();
  CLI::App* filters_cmd = app.add_subcommand("filters", "the hand-coded filter bank: list it, or apply filters to a picture");
  filters_cmd->require_subcommand(1);
  CLI::App* apply = filters_cmd->add_subcommand("apply", "apply filters to an image with Conv2d; write each result and a montage");
  apply->add_option("image", fa->image, "PNG, JPEG, BMP, ... (default: the cat photo data/chelsea.png)")->capture_default_str();
  apply->add_option("--filters", fa->filters, "comma-separated names (see 'minicnn filters list')")->capture_default_str();
  apply->add_option("--size", fa->size, "resize so the longer side is this many pixels (0: keep)");
  apply->add_option("--normalize", fa->normalize,
                    "how responses become pixels: clip (clamp to 0..255), abs (|v| scaled so the 99.5th percentile is 255), "
                    "minmax (min..max to 0..255); default abs for high-pass filters, clip for the rest")
      ->check(CLI::IsMember({"clip", "abs", "minmax"}));
  apply->add_option("--out", fa->out, "folder to write")->capture_default_str();
  command.register_run(apply, [fa](const std::string&) { return run_apply(*fa); });
  CLI::App* list = filters_cmd->add_subcommand("list", "print every filter with its kind and kernel values");
  command.register_run(list, [](const std::string&) { return run_list(); });

  auto ka = std::make_shared<KernelArgs>();
  CLI::App* kernels = app.add_subcommand("kernels", "draw a conv layer's kernels from a checkpoint as a PNG grid");
  kernels->add_option("checkpoint", ka->checkpoint, "model.npz")->required();
  kernels->add_option("--layer", ka->layer, "a Conv2d's layer index, or its path inside a block (3.body.0)")->capture_default_str();
  kernels->add_option("--out", ka->out, "PNG to write")->capture_default_str();
  kernels->add_option("--colormap", ka->colormap, "diverging (blue < 0 < red, zero white) or gray (zero mid-grey)")
      ->check(CLI::IsMember({"diverging", "gray"}))
      ->capture_default_str();
  kernels->add_option("--scaling", ka->scaling, "global (one range for all kernels) or per-kernel")
      ->check(CLI::IsMember({"global", "per-kernel"}))
      ->capture_default_str();
  kernels->add_option("--scale", ka->scale, "pixels per kernel tap")->check(CLI::Range(1, 256))->capture_default_str();
  command.register_run(kernels, [ka](const std::string&) { return run_kernels(*ka); });

  auto fm = std::make_shared<FeatureArgs>();
  CLI::App* feat = app.add_subcommand("featuremaps", "draw every conv layer's activations for one image");
  feat->add_option("checkpoint", fm->checkpoint, "model.npz")->required();
  feat->add_option("image", fm->image, "PNG, JPEG, BMP, ...")->required();
  feat->add_option("--out", fm->out, "folder to write")->capture_default_str();
  feat->add_flag("--raw", fm->raw, "only resize the image (no inversion, cropping or centring)");
  feat->add_option("--layer", fm->layer, "only this Conv2d: a layer index, or a path inside a block (3.body.0)");
  command.register_run(feat, [fm](const std::string&) { return run_featuremaps(*fm); });
}

}  // namespace minicnn::cli
