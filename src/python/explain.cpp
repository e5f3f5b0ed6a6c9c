// minicnn.explain (why the network answered, what its channels respond to) and minicnn.vision
// (kernel pictures, feature maps): the library's explain/ and vision/ parts, numpy out.
#include "bindings.hpp"
#include "minicnn/explain/attribution.hpp"
#include "minicnn/explain/synthesize.hpp"
#include "minicnn/explain/top_activations.hpp"
#include "minicnn/layers/conv2d.hpp"
#include "minicnn/vision/activations.hpp"
#include "minicnn/vision/kernel_png.hpp"

namespace minicnn::python {

namespace {

// One picture (C, H, W) or (1, C, H, W) of the model's input shape, as a batch of one.
Tensor one_image(const Model& m, const py::handle& x) {
  Tensor t = to_tensor(x, "x");
  if (t.dimension() == 4 && t.shape(0) == 1) t.reshape({t.shape(1), t.shape(2), t.shape(3)});
  if (Shape(t.shape().begin(), t.shape().end()) != m.input_shape)
    throw std::invalid_argument("x: expected one input " + shape_str(m.input_shape) + " or (1, " + shape_str(m.input_shape).substr(1) +
                                ", got " + shape_str(t.shape()));
  t.reshape({1, m.input_shape[0], m.input_shape[1], m.input_shape[2]});
  return t;
}

// The class to explain: the one given, or the model's answer.
std::size_t class_of(Model& m, const Tensor& x, const py::object& cls) {
  if (!cls.is_none()) {
    const long long c = cls.cast<long long>();
    if (c < 0 || static_cast<std::size_t>(c) >= m.classes.size())
      throw std::invalid_argument("cls: expected a class from 0 to " + std::to_string(m.classes.size() - 1) + ", got " + std::to_string(c));
    return static_cast<std::size_t>(c);
  }
  TrainingModeGuard eval(*m.net, false);
  const Tensor& z = m.net->forward(x);
  std::size_t best = 0;
  for (std::size_t j = 1; j < z.shape(1); ++j)
    if (z(0, j) > z(0, best)) best = j;
  return best;
}

py::array_t<std::uint8_t> picture(const Image& i) {
  py::array_t<std::uint8_t> a({i.height, i.width, i.channels});
  std::copy(i.pixels.begin(), i.pixels.end(), a.mutable_data());
  return a;
}

template <class F>
py::array_t<float> map_of(Model& m, const py::handle& x, const py::object& cls, F&& f) {
  const Tensor t = one_image(m, x);
  const std::size_t c = class_of(m, t, cls);
  Tensor out;
  {
    py::gil_scoped_release release;
    out = f(t, c);
  }
  return numpy_copy(out);
}

}  // namespace

void bind_explain(py::module_& m) {
  py::module_ e = m.def_submodule("explain", "why the network answered, and what its channels respond to");
  e.def("saliency", [](Model& net, const py::handle& x, const py::object& cls) {
    return map_of(net, x, cls, [&](const Tensor& t, std::size_t c) { return explain::saliency(*net.net, t, c); });
  }, py::arg("model"), py::arg("x"), py::arg("cls") = py::none(), "max over channels of |d score / d input| (H, W); cls: the answer unless given");
  e.def("gradcam", [](Model& net, const py::handle& x, const py::object& cls, const py::object& layer) {
    const std::string path = layer.is_none() ? explain::default_gradcam_layer(*net.net, net.input_shape) : py::str(layer).cast<std::string>();
    explain::check_gradcam_layer(*net.net, path, net.input_shape);
    return map_of(net, x, cls, [&](const Tensor& t, std::size_t c) { return explain::gradcam(*net.net, t, c, path); });
  }, py::arg("model"), py::arg("x"), py::arg("cls") = py::none(), py::arg("layer") = py::none(),
     "Grad-CAM at a layer's maps (H', W'), by default the last layer whose output is maps");
  e.def("occlusion", [](Model& net, const py::handle& x, const py::object& cls, std::size_t patch, std::size_t stride) {
    explain::OcclusionOptions o;
    o.patch = patch, o.stride = stride;
    return map_of(net, x, cls, [&](const Tensor& t, std::size_t c) { return explain::occlusion(*net.net, t, c, o); });
  }, py::arg("model"), py::arg("x"), py::arg("cls") = py::none(), py::arg("patch") = 0, py::arg("stride") = 0,
     "the drop in the class probability when a patch covers each pixel (H, W)");
  e.def("top_activations", [](Model& net, const Split& split, const std::string& layer, std::size_t k) {
    if (!net.data) throw std::invalid_argument("top_activations needs the model's normalisation: load a checkpoint or train the model first");
    explain::TopActivationsOptions o;
    o.k = k;
    std::vector<explain::LayerTopActivations> r;
    {
      py::gil_scoped_release release;
      r = explain::top_activations(*net.net, *split.set, net.data->norm, {layer}, o);
    }
    const auto& channels = r.at(0).channels;
    const std::size_t kept = channels.empty() ? 0 : channels[0].size();
    py::array_t<std::int64_t> images({channels.size(), kept}), ys({channels.size(), kept}), xs({channels.size(), kept});
    py::array_t<float> values({channels.size(), kept});
    for (std::size_t c = 0; c < channels.size(); ++c)
      for (std::size_t i = 0; i < channels[c].size(); ++i) {
        const auto& t = channels[c][i];
        images.mutable_at(c, i) = static_cast<std::int64_t>(split.set->source_index(t.image)), ys.mutable_at(c, i) = static_cast<std::int64_t>(t.y);
        xs.mutable_at(c, i) = static_cast<std::int64_t>(t.x), values.mutable_at(c, i) = t.activation;
      }
    py::dict d;
    d["images"] = images, d["activations"] = values, d["y"] = ys, d["x"] = xs;
    return d;
  }, py::arg("model"), py::arg("split"), py::arg("layer"), py::arg("k") = 9,
     "every channel's k most activating images of a split: {'images', 'activations', 'y', 'x'}, each (channels, k), strongest first");
  e.def("synthesize", [](Model& net, const std::string& layer, const std::vector<std::size_t>& channels, std::size_t steps, std::uint64_t seed) {
    explain::SynthesisOptions o;
    o.steps = steps, o.seed = seed;
    explain::input_range(net.data ? net.data->norm : Normalization{}, net.input_shape[0], o.low, o.high);
    Tensor t;
    {
      py::gil_scoped_release release;
      t = explain::synthesize(*net.net, net.input_shape, layer, channels, o);
    }
    return numpy_copy(t);
  }, py::arg("model"), py::arg("layer"), py::arg("channels"), py::arg("steps") = 256, py::arg("seed") = 1,
     "an input that excites each channel of a layer, by gradient ascent from noise (len(channels), C, H, W)");

  py::module_ v = m.def_submodule("vision", "pictures of a model: its kernels and its feature maps");
  v.def("kernel_grid", [](Model& net, const std::string& layer) {
    const Conv2d& conv = conv_at(*net.net, layer);
    return picture(render_kernels(conv.weight().value));
  }, py::arg("model"), py::arg("layer") = "0", "the kernels of the Conv2d at a layer path as one RGB picture (H, W, 3) uint8 (blue < 0 < red)");
  v.def("feature_maps", [](Model& net, const py::handle& x, const std::string& layer) {
    const Tensor t = one_image(net, x);
    std::vector<LayerOutput> outs;
    {
      py::gil_scoped_release release;
      outs = layer_outputs(*net.net, t);
    }
    for (auto& o : outs)
      if (o.path == layer) {
        Tensor y = o.y;
        y.reshape(Shape(o.y.shape().begin() + 1, o.y.shape().end()));
        return numpy_copy(y);
      }
    throw std::invalid_argument("feature_maps: no top-level layer " + layer + " (layers 0-" + std::to_string(outs.size() - 1) + ")");
  }, py::arg("model"), py::arg("x"), py::arg("layer"), "the output of top-level layer `layer` for one input: (C, H', W') maps, or (F)");
}

}  // namespace minicnn::python
