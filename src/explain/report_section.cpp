#include "minicnn/explain/report_section.hpp"

#include <algorithm>
#include <cstdio>

#include "minicnn/data/datasets.hpp"
#include "minicnn/explain/attribution.hpp"
#include "minicnn/explain/gradients.hpp"
#include "minicnn/explain/pictures.hpp"
#include "minicnn/explain/receptive_field.hpp"
#include "minicnn/explain/top_activations.hpp"

namespace minicnn::explain {

namespace {

const std::uint8_t kInk[3] = {20, 20, 20}, kRedInk[3] = {178, 24, 43}, kGrey[3] = {110, 110, 110};

Image enlarged_rgb(const Image& src, std::size_t f) {
  const Image rgb = with_channels(src, 3);
  Image out(src.width * f, src.height * f, 3);
  for (std::size_t y = 0; y < out.height; ++y)
    for (std::size_t x = 0; x < out.width; ++x) std::copy_n(rgb.pixels.data() + ((y / f) * rgb.width + x / f) * 3, 3, out.at(x, y));
  return out;
}

// Image i of data as the model sees it, into x (1, C, H, W): (pixel / 255 - mean) / std per channel,
// as DataLoader prepares a batch.
void normalised(const Dataset& data, std::size_t i, const Normalization& norm, Tensor& x) {
  const std::size_t plane = data.rows * data.cols;
  const std::uint8_t* p = data.pixels.data() + i * data.sample_size();
  for (std::size_t c = 0; c < data.channels; ++c) {
    const float m = norm.empty() ? 0.f : norm.mean.at(norm.mean.size() == 1 ? 0 : c);
    const float s = norm.empty() ? 1.f : norm.std.at(norm.std.size() == 1 ? 0 : c);
    for (std::size_t k = 0; k < plane; ++k) x.data()[c * plane + k] = (p[c * plane + k] / 255.f - m) / s;
  }
}

// The first test image of class k that the model gets right (want_right) or wrong; test.size() if none.
std::size_t first_of(const Dataset& test, const EvalResult& e, std::size_t k, bool want_right) {
  for (std::size_t i = 0; i < test.size() && i < e.predicted.size(); ++i)
    if (static_cast<std::size_t>(test.labels[i]) == k && e.predicted[i] >= 0 && (e.predicted[i] == test.labels[i]) == want_right) return i;
  return test.size();
}

void add_top_crops(Report& r, Sequential& model, const Dataset& test, const Normalization& norm) {
  std::vector<std::string> layers = conv_layer_paths(model);
  if (layers.size() > 2) layers.resize(2);
  if (layers.empty()) return;
  TopActivationsOptions o;
  o.k = std::min<std::size_t>(9, test.size());
  const auto tops = top_activations(model, test, norm, layers, o);
  r.paragraph("A channel of a conv layer is one filter slid over the picture. Each row below is one channel: the " +
              std::to_string(o.k) + " test images that excite it most (the largest value of its map), each cut to the part of the " +
              "picture the channel sees there (its receptive field) and captioned with that value and the image's class "
              "(Zeiler & Fergus, \"Visualizing and Understanding Convolutional Networks\", 2014). Crops that look alike show what "
              "the filter detects: in the first layer edges and strokes of one direction, in the second larger parts of digits.");
  for (const auto& t : tops) {
    const ReceptiveField rf = receptive_field(model, t.layer, test.sample_shape());
    const std::string title = "layer " + t.layer + ": " + short_name(layer_at(model, t.layer)) + ", receptive field " + rf.str();
    r.figures({{"report/filters_" + t.layer + ".png", "The strongest test images of every channel of layer " + t.layer,
                render_top_crops(t, test, rf, title), "", 0}});
  }
}

}  // namespace

Image gradcam_examples(Sequential& model, const Dataset& test, const Normalization& norm, const EvalResult& e, const std::string& layer) {
  const std::size_t side = std::max(test.rows, test.cols), f = std::max<std::size_t>(1, (84 + side - 1) / side), tile = side * f;
  const std::size_t gap = 8, th = text_height(), K = test.classes.size();
  std::size_t label_w = text_width("correct");
  for (const auto& c : test.classes) label_w = std::max(label_w, text_width(c.substr(0, 16)));
  const std::size_t col = 2 * tile + gap, left = gap + label_w + 2 * gap, row_h = tile + th + 2 * gap, top_h = 2 * th + 2 * gap;
  Image img(left + 2 * (col + 3 * gap), top_h + K * row_h, 3, 255);
  draw_text(img, left, gap, "right", kInk);
  draw_text(img, left + col + 3 * gap, gap, "wrong", kRedInk);
  Tensor x = Tensor::from_shape({1, test.channels, test.rows, test.cols});
  for (std::size_t k = 0; k < K; ++k) {
    const std::size_t y0 = top_h + k * row_h;
    draw_text(img, gap, y0 + tile / 2 - th / 2, test.classes[k].substr(0, 16), kInk);
    for (int wrong = 0; wrong < 2; ++wrong) {
      const std::size_t x0 = left + static_cast<std::size_t>(wrong) * (col + 3 * gap), i = first_of(test, e, k, !wrong);
      if (i == test.size()) {
        draw_text(img, x0, y0 + tile / 2 - th / 2, wrong ? "none wrong" : "none right", kGrey);
        continue;
      }
      normalised(test, i, norm, x);
      const std::size_t said = static_cast<std::size_t>(e.predicted[i]);
      Tensor input = x;
      input.reshape({test.channels, test.rows, test.cols});
      blit(img, enlarged_rgb(dataset_image(test, i), f), x0, y0);
      blit(img, enlarged_rgb(map_overlay(gradcam(model, x, said, layer), input_image(input, norm)), f), x0 + tile + gap, y0);
      char caption[96];
      std::snprintf(caption, sizeof caption, "#%zu %s %.0f%%", test.source_index(i), wrong ? ("said " + test.classes[said].substr(0, 12)).c_str() : "",
                    100.0 * e.confidence[i]);
      draw_text(img, x0, y0 + tile + 2, caption, wrong ? kRedInk : kGrey);
    }
  }
  return img;
}

void what_filters_detect(Report& r, Sequential& model, const Dataset& test, const Normalization& norm, const EvalResult& e) {
  r.heading("What the filters detect");
  add_top_crops(r, model, test, norm);
  std::string layer;
  try {
    layer = default_gradcam_layer(model, test.sample_shape());
  } catch (const std::invalid_argument&) {
    if (conv_layer_paths(model).empty()) r.paragraph("This model has no conv layer and no layer with maps, so there is nothing to show here.");
    return;
  }
  r.paragraph("Why the network answered: for every class, its first test image the model gets right and its first one it gets "
              "wrong, each beside its Grad-CAM map for the class the model said, laid over the picture (Selvaraju et al., "
              "\"Grad-CAM\", 2017; layer " + layer + ", " + short_name(layer_at(model, layer)) + "). Bright is where that layer's "
              "maps that raise the answer's score are active: on a right answer usually the strokes that make the digit; on a "
              "wrong one, the part of the picture that looked like the wrong class.");
  r.figures({{"report/gradcam_classes.png", "Grad-CAM of the model's answer, for a right and a wrong test image of each class",
              gradcam_examples(model, test, norm, e, layer), "", 0}});
}

}  // namespace minicnn::explain
