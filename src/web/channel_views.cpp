#include "channel_views.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "minicnn/explain/feature_files.hpp"
#include "minicnn/io/atomic_file.hpp"
#include "minicnn/io/npy.hpp"
#include "web_server.hpp"

namespace minicnn {

namespace {

struct Stopped {};  // thrown from a progress report when the page is closing

// Channels of a layer's output (C, H', W'), or units of a flat one (F).
std::size_t units(const Shape& s) { return s.empty() ? 0 : s[0]; }

// The file's bytes, or nothing when it cannot be read.
std::optional<std::string> read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// A whole number of at most 9 digits, or -1.
long parse_index(const std::string& s) {
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stol(s);
}

std::string error_json(const std::string& why) { return nlohmann::json{{"error", why}}.dump(); }

}  // namespace

ChannelViews::ChannelViews(Setup setup) : setup_(std::move(setup)) {
  thread_ = std::thread([this] { work(); });
}

ChannelViews::~ChannelViews() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::string ChannelViews::ask(const std::string& layer, const std::string& channel, int& status) {
  const auto shape = setup_.layers.find(layer);
  if (shape == setup_.layers.end()) {
    status = 400;
    return error_json("layer: expected the path of a layer the page shows, such as 0, got \"" + layer.substr(0, 40) + "\"");
  }
  const long c = parse_index(channel);
  if (c < 0 || static_cast<std::size_t>(c) >= units(shape->second)) {
    status = 400;
    return error_json("channel: expected a whole number from 0 to " + std::to_string(units(shape->second) - 1) + " for layer " +
                      layer + ", got \"" + channel.substr(0, 20) + "\"");
  }
  const Views* ready = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (const auto f = failed_.find(layer); f != failed_.end()) {
      status = 500;
      return error_json(f->second);
    }
    if (const auto r = ready_.find(layer); r != ready_.end()) ready = r->second.get();
    if (!ready) {
      if (current_ != layer && std::find(queue_.begin(), queue_.end(), layer) == queue_.end()) {
        queue_.push_back(layer);
        wake_.notify_one();
      }
      status = 200;
      nlohmann::json j{{"state", "working"}, {"layer", layer}, {"channel", c}, {"stage", "starting"}, {"done", 0}, {"total", 0}};
      if (current_ == layer && !stage_.empty()) j["stage"] = stage_, j["done"] = done_, j["total"] = total_;
      if (!current_.empty() && current_ != layer) j["stage"] = "waiting for layer " + current_;
      return j.dump();
    }
  }
  status = 200;
  return render(*ready, static_cast<std::size_t>(c));  // a ready layer never changes: no lock needed
}

void ChannelViews::set_stage(const std::string& stage, std::size_t done, std::size_t total) {
  if (stop_) throw Stopped{};
  std::lock_guard<std::mutex> lock(mutex_);
  stage_ = stage, done_ = done, total_ = total;
}

void ChannelViews::work() {
  for (;;) {
    std::string layer;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      layer = current_ = queue_.front();
      queue_.pop_front();
      stage_.clear(), done_ = total_ = 0;
    }
    std::unique_ptr<const Views> views;
    std::string failure;
    try {
      views = std::make_unique<const Views>(compute(layer));
    } catch (const Stopped&) {
      return;
    } catch (const std::exception& e) {
      failure = std::string("layer ") + layer + ": " + e.what();
      std::fprintf(stderr, "serve: %s\n", failure.c_str());
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (views) ready_[layer] = std::move(views);
    else failed_[layer] = failure;
    current_.clear();
  }
}

ChannelViews::Views ChannelViews::compute(const std::string& layer) {
  if (!test_) {
    set_stage("reading the test set", 0, 0);
    Dataset test = setup_.load_test();
    if (test.sample_shape() != setup_.input_shape || test.size() == 0)
      throw std::runtime_error("the test set holds " + std::to_string(test.size()) + " images of " + shape_str(test.sample_shape()) +
                               ", the model expects " + shape_str(setup_.input_shape));
    test_ = std::move(test);
  }
  if (!model_) model_ = setup_.load_model();
  const Shape& shape = setup_.layers.at(layer);
  const std::size_t k = std::min(setup_.top, test_->size());
  Views v;
  v.rf = explain::receptive_field(*model_, layer, setup_.input_shape);
  v.title = explain::layer_title(*model_, layer, v.rf);
  const std::string stem = setup_.folder + "/" + layer;
  bool have_top = false;
  if (const auto text = setup_.folder.empty() ? std::nullopt : read_whole(stem + "_top.json")) try {
      v.top = explain::parse_top_json(*text, layer, shape, *test_, stem + "_top.json");
      have_top = true;
      for (const auto& c : v.top.channels) have_top = have_top && c.size() >= k;  // written with a smaller --top: again
    } catch (const std::exception& e) {
      std::fprintf(stderr, "serve: computing again: %s\n", e.what());
    }
  if (!have_top) {
    explain::TopActivationsOptions o;
    o.k = k;
    o.progress = [&](std::size_t done, std::size_t total) { set_stage("test images", done, total); };
    v.top = explain::top_activations(*model_, *test_, setup_.norm, {layer}, o).at(0);
  }
  const Shape synth_shape{units(shape), setup_.input_shape[0], setup_.input_shape[1], setup_.input_shape[2]};
  if (const auto bytes = setup_.folder.empty() ? std::nullopt : read_whole(stem + "_synth.npy")) try {
      const NpyArray a = parse_npy(reinterpret_cast<const std::uint8_t*>(bytes->data()), bytes->size(), stem + "_synth.npy");
      if (a.descr != "<f4" || a.shape != synth_shape) throw std::runtime_error(stem + "_synth.npy: expected float32 " + shape_str(synth_shape));
      v.synth = Tensor::from_shape(synth_shape);
      std::copy_n(reinterpret_cast<const float*>(a.data), v.synth.size(), v.synth.data());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "serve: computing again: %s\n", e.what());
    }
  const bool have_synth = v.synth.size() == units(shape) * setup_.input_shape[0] * setup_.input_shape[1] * setup_.input_shape[2] && v.synth.size();
  if (!have_synth) {
    explain::SynthesisOptions o;
    o.progress = [&](std::size_t done, std::size_t total) { set_stage("synthesized inputs (gradient ascent steps)", done, total); };
    v.synth = explain::synthesize_layer(*model_, layer, units(shape), setup_.norm, setup_.input_shape, o);
  }
  v.synth_at = explain::synthesized_positions(*model_, layer, v.synth);
  if (!setup_.folder.empty() && (!have_top || !have_synth)) try {  // the files `minicnn features --synthesize` writes
      set_stage("writing " + setup_.folder, 0, 0);
      make_folders(setup_.folder);
      if (!have_top) explain::write_top_files(*model_, v.top, *test_, setup_.input_shape, setup_.folder);
      if (!have_synth) explain::write_synth_files(*model_, v.top, v.synth, *test_, setup_.norm, setup_.input_shape, setup_.folder);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "serve: kept in memory only: %s\n", e.what());
    }
  return v;
}

std::string ChannelViews::render(const Views& v, std::size_t channel) const {
  nlohmann::json crops = nlohmann::json::array();
  const auto& best = v.top.channels.at(channel);
  for (std::size_t r = 0; r < std::min(setup_.top, best.size()); ++r) {
    const explain::TopActivation& a = best[r];
    const Image crop = explain::dataset_crop(*test_, a.image, v.rf.window(a.y, a.x));
    const std::string cls = a.label >= 0 && static_cast<std::size_t>(a.label) < setup_.classes.size() ? setup_.classes[a.label] : std::to_string(a.label);
    crops.push_back({{"picture", png_data_url(crop)}, {"activation", a.activation}, {"class", cls}, {"image", test_->source_index(a.image)}});
  }
  const Shape& in = setup_.input_shape;
  Tensor one = Tensor::from_shape(in);
  std::copy_n(v.synth.data() + channel * one.size(), one.size(), one.data());
  const Image synth = explain::input_image(one, setup_.norm);
  const auto [y, x] = v.synth_at.at(channel);
  return nlohmann::json{{"state", "ready"},
                        {"layer", v.top.layer},
                        {"channel", channel},
                        {"title", v.title},
                        {"field", v.rf.str()},
                        {"crops", crops},
                        {"synth", png_data_url(synth)},
                        {"synth_crop", png_data_url(explain::picture_crop(synth, v.rf.window(y, x)))}}
      .dump();
}

}  // namespace minicnn
