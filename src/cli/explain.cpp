// minicnn explain: why the network answered what it did for a picture: saliency, Grad-CAM and
// occlusion maps over the picture the model saw.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>

#include "commands.hpp"
#include "common.hpp"
#include "minicnn/train/data_source.hpp"
#include "minicnn/train/settings.hpp"
#include "minicnn/core/text.hpp"
#include "minicnn/core/threads.hpp"
#include "minicnn/explain/attribution.hpp"
#include "minicnn/explain/gradients.hpp"
#include "minicnn/explain/pictures.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/io/npy.hpp"

namespace minicnn::cli {

namespace {

struct ExplainArgs {
  std::string run, method = "all", cls, layer, out = "explain";
  std::vector<std::string> images;
  std::size_t patch = 0, stride = 0;
  bool raw = false;
  int threads = 0;
};

const std::vector<std::string> kMethods{"saliency", "gradcam", "occlusion"};

// What bright means in each map, for the caption.
std::string caption(const std::string& method, const std::string& cls, const std::string& layer, const explain::OcclusionOptions& o) {
  if (method == "saliency") return "bright: pixels where a small change moves the score of '" + cls + "' most (|d score / d pixel|)";
  if (method == "gradcam") return "bright: where layer " + layer + "'s maps that raise the score of '" + cls + "' are active (Grad-CAM)";
  return "red: covering a " + std::to_string(o.patch) + "x" + std::to_string(o.patch) + " patch here lowers p('" + cls +
         "'); blue: raises it";
}

std::size_t class_index(const std::string& text, const std::vector<std::string>& classes) {
  for (std::size_t c = 0; c < classes.size(); ++c)
    if (classes[c] == text) return c;
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos && text.size() < 10) {
    const std::size_t c = std::stoul(text);
    if (c < classes.size()) return c;
    throw UsageError("--class: class index " + text + " is out of range (0-" + std::to_string(classes.size() - 1) + ")");
  }
  throw UsageError("--class: no class '" + text + "' (classes: " + join(classes) + ")" + suggestion(text, classes));
}

void save_npy(const std::string& path, const Tensor& t) {
  const std::string bytes = npy_bytes(t);
  write_file_atomic(path, bytes.data(), bytes.size());
}

// A class name as part of a file name: letters, digits, '.', '-' and '_' kept, anything else '_'.
std::string file_word(const std::string& name) {
  std::string w = name;
  for (char& c : w)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '_';
  return w;
}

std::string stem_of(const std::string& path) {
  std::string name = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  return name.substr(0, name.find_last_of('.') == 0 ? name.size() : name.find_last_of('.'));
}

// One picture's explanation, computed before anything is written.
struct Explained {
  std::string image, stem;
  Tensor input;                // (C, H, W), normalised
  std::size_t cls = 0, predicted = 0;
  float probability = 0;
  std::vector<Tensor> maps;    // one per method
};

Explained explain_one(Sequential& model, const std::string& image, Tensor input, std::optional<std::size_t> asked,
                      const std::vector<std::string>& methods, const std::string& layer, const explain::OcclusionOptions& occ) {
  Explained e{image, stem_of(image), std::move(input), 0, 0, 0, {}};
  Tensor x = e.input;
  x.reshape({1, x.shape(0), x.shape(1), x.shape(2)});
  const Tensor p = explain::softmax(explain::class_gradients(model, x, {0}).logits);
  e.predicted = static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin());
  e.cls = asked.value_or(e.predicted);
  e.probability = p(0, e.cls);
  for (const auto& m : methods)
    e.maps.push_back(m == "saliency"  ? explain::saliency(model, x, e.cls)
                     : m == "gradcam" ? explain::gradcam(model, x, e.cls, layer)
                                      : explain::occlusion(model, x, e.cls, occ));
  return e;
}

// The Grad-CAM layer: --layer, or the default; refused before any work when it has no maps.
std::string gradcam_layer(Sequential& model, const std::string& asked, const Shape& input_shape) {
  try {
    const std::string layer = asked.empty() ? explain::default_gradcam_layer(model, input_shape) : asked;
    explain::check_gradcam_layer(model, layer, input_shape);
    return layer;
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--layer: ") + e.what());
  }
}

int run(const ExplainArgs& a, const CLI::App& cmd) {
  use_threads(a.threads);
  const std::string path = checkpoint_path(a.run);
  CheckpointInfo info;
  auto model = load_model(path, &info);
  DataRecord rec = read_data_record(info);
  const std::vector<std::string> methods = a.method == "all" ? kMethods : std::vector<std::string>{a.method};
  const bool cam = std::find(methods.begin(), methods.end(), "gradcam") != methods.end();
  std::string layer = cam ? gradcam_layer(*model, a.layer, info.input_shape) : a.layer;
  if (!cam && !layer.empty()) try {
      explain::layer_at(*model, layer);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--layer: ") + e.what());
    }
  std::optional<std::size_t> asked;
  if (cmd.count("--class")) asked = class_index(a.cls, rec.classes);
  const explain::OcclusionOptions occ = explain::occlusion_defaults({a.patch, a.stride, 0}, info.input_shape);
  // Every picture is read and explained before anything is written: a bad one stops the command
  // with nothing made.
  std::vector<Explained> done;
  const Shape outputs = sample_output_shape(*model, info.input_shape);
  if (outputs.size() != 1 && rec.classes.empty())  // an imported model that ends in a Conv, say
    throw std::runtime_error(path + ": the model outputs feature maps " + shape_str(outputs) +
                             " per image, not class scores, and explain shows what a class score depends on; look at the "
                             "feature maps with minicnn featuremaps or minicnn features");
  if (outputs != Shape{rec.classes.size()})
    throw std::runtime_error(path + ": the model gives " + shape_str(outputs) + " but the run has " + std::to_string(rec.classes.size()) +
                             " class names");
  for (const auto& image : a.images) {
    for (const Explained& e : done)
      if (e.stem == stem_of(image)) throw UsageError(e.image + " and " + image + " would write the same files (" + e.stem + "_*)");
    done.push_back(explain_one(*model, image, model_input(image, info.input_shape, rec, a.raw), asked, methods, layer, occ));
  }
  make_folders(a.out);
  nlohmann::json record{{"checkpoint", path}, {"methods", methods}, {"images", nlohmann::json::array()}};
  if (cam) record["gradcam_layer"] = layer;
  record["occlusion"] = {{"patch", occ.patch}, {"stride", occ.stride}, {"value", 0}};
  for (const Explained& e : done) {
    const std::string stem = a.out + "/" + e.stem, name = rec.classes[e.cls];
    // With --class the maps' names carry the class ("my_digit_as_4_occlusion.png"), so explaining
    // the same picture for another class does not overwrite the first answer.
    const std::string maps_stem = asked ? stem + "_as_" + file_word(name) : stem;
    save_npy(stem + "_input.npy", e.input);
    std::vector<std::string> pictures, names;  // with OUT/ (printed), and as explain.json lists them: in OUT
    for (std::size_t m = 0; m < methods.size(); ++m) {
      save_npy(maps_stem + "_" + methods[m] + ".npy", e.maps[m]);
      char prob[32];
      std::snprintf(prob, sizeof prob, "%.3f", static_cast<double>(e.probability));
      const std::string title = e.stem + ": " + methods[m] + " for '" + name + "' (p = " + prob + ")";
      pictures.push_back(maps_stem + "_" + methods[m] + ".png");
      names.push_back(pictures.back().substr(a.out.size() + 1));
      save_png(pictures.back(), explain::render_map(e.maps[m], e.input, rec.norm, title, caption(methods[m], name, layer, occ)));
    }
    record["images"].push_back({{"image", e.image}, {"class", e.cls}, {"class_name", name}, {"probability", e.probability},
                                {"predicted", e.predicted}, {"predicted_name", rec.classes[e.predicted]}, {"pictures", names}});
    std::printf("%s: %s (p = %.3f)%s -> %s\n", e.image.c_str(), name.c_str(), static_cast<double>(e.probability),
                e.cls == e.predicted ? "" : (", predicted " + rec.classes[e.predicted]).c_str(), join(pictures, ", ").c_str());
  }
  write_text_atomic(a.out + "/explain.json", record.dump(2) + "\n");
  return kExitOk;
}

}  // namespace

void add_explain_command(CLI::App& app, Command& command) {
  auto a = std::make_shared<ExplainArgs>();
  CLI::App* cmd = app.add_subcommand("explain", "why the network answered: saliency, Grad-CAM and occlusion maps over a picture");
  cmd->footer(
      "examples:\n"
      "  minicnn explain runs/mnist my_digit.png                 all three maps for the predicted class\n"
      "  minicnn explain runs/mnist a.png --method gradcam --layer 3 --class 7\n"
      "  minicnn explain runs/shapes tri.png --method occlusion --patch 8\n"
      "writes OUT/<stem>_input.npy, OUT/<stem>_<method>.npy and .png for each picture (with --class:\n"
      "OUT/<stem>_as_<class>_<method>.npy and .png), and OUT/explain.json\n");
  cmd->add_option("run", a->run, "a run folder or its model.npz")->required();
  cmd->add_option("images", a->images, "pictures, prepared as minicnn predict prepares them")->required();
  cmd->add_option("--method", a->method, "saliency, gradcam, occlusion or all")->capture_default_str()->check(
      CLI::IsMember({"saliency", "gradcam", "occlusion", "all"}));
  cmd->add_option("--class", a->cls, "explain this class (a name or an index; default: the predicted one)");
  cmd->add_option("--layer", a->layer, "Grad-CAM's layer (default: the last top-level layer with maps)");
  cmd->add_option("--patch", a->patch, "occlusion patch side (default: a quarter of the picture)")->check(whole_number(1, 4096));
  cmd->add_option("--stride", a->stride, "pixels between occlusion patches (default: 1 up to 32 px)")->check(whole_number(1, 4096));
  cmd->add_flag("--raw", a->raw, "digits: only resize the picture (no cropping and centring)");
  cmd->add_option("--out", a->out, "folder to write")->capture_default_str();
  add_threads_option(*cmd, a->threads);
  command.register_run(cmd, [a, cmd](const std::string&) { return run(*a, *cmd); });
}

}  // namespace minicnn::cli
