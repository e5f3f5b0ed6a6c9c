// minicnn.Sequential, minicnn.load, the layer objects (minicnn.Conv2d(1, 6, 5, padding=2), ...),
// a model's layers (m[i]) and their parameters as numpy views, state_dict, m(x) and m.predict.
#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>

#include "bindings.hpp"
#include "minicnn/core/init.hpp"
#include "minicnn/core/registry.hpp"
#include "minicnn/io/onnx.hpp"
#include "minicnn/loss/softmax_cross_entropy.hpp"

namespace minicnn::python {

namespace {

// A layer as Python writes it before it is part of a model: its spec item, and the input size the
// caller stated (in_channels, in_features, num_features), checked once the model is built.
struct LayerSpec {
  std::string repr;  // "Conv2d(1, 6, kernel_size=5, padding=2)"
  std::string spec;  // "conv 6 5 pad=2"
  std::size_t expect_in = 0;  // 0: nothing stated
};

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.9g", v);
  return b;
}

// An int or a (height, width) pair, as PyTorch takes kernel sizes, strides and paddings.
Size2 size2(const py::object& v, const char* what) {
  if (py::isinstance<py::tuple>(v) || py::isinstance<py::list>(v)) {
    const auto t = v.cast<std::vector<long long>>();
    if (t.size() != 2 || t[0] < 0 || t[1] < 0)
      throw std::invalid_argument(std::string(what) + ": expected a whole number or a (height, width) pair");
    return {static_cast<std::size_t>(t[0]), static_cast<std::size_t>(t[1])};
  }
  const long long n = v.cast<long long>();
  if (n < 0) throw std::invalid_argument(std::string(what) + ": expected a whole number of at least 0, got " + std::to_string(n));
  return static_cast<std::size_t>(n);
}
std::string size2_text(Size2 s) { return s.square() ? std::to_string(s.h) : std::to_string(s.h) + "x" + std::to_string(s.w); }

const Model& check_input(const Model& m, const Tensor& x) {
  Shape want{0};
  want.insert(want.end(), m.input_shape.begin(), m.input_shape.end());
  bool ok = x.dimension() == want.size();
  for (std::size_t i = 1; ok && i < want.size(); ++i) ok = x.shape(i) == want[i];
  if (!ok || x.shape(0) == 0)
    throw std::invalid_argument("expected input (N, " + shape_str(m.input_shape).substr(1) + " with N >= 1, got " +
                                shape_str(x.shape()));
  return m;
}

// The logits of a batch, in eval mode, with the GIL released.
Tensor forward(Model& m, const Tensor& x) {
  check_input(m, x);
  py::gil_scoped_release release;
  std::lock_guard<std::mutex> hold(lock_of(m));
  TrainingModeGuard eval(*m.net, false);
  return m.net->forward(x);
}

std::vector<std::pair<std::string, Tensor*>> model_tensors(Sequential& net) {
  std::vector<std::pair<std::string, Tensor*>> all;
  for (auto& [name, p] : net.parameters()) all.emplace_back(name, &p->value);
  for (auto& [name, t] : net.buffers()) all.emplace_back(name, t);
  return all;
}

// A layer of a model, which it keeps alive: m[0], m["3.body.0"].
struct LayerRef {
  std::shared_ptr<Sequential> owner;
  Layer* layer;
  std::string path;
  Parameter& parameter(const std::string& name) const {
    for (auto& [n, p] : layer->parameters())
      if (n == name) return *p;
    throw py::attribute_error("layer " + path + " (" + short_name(*layer) + ") has no " + name);
  }
};

LayerRef layer_at(Model& m, const py::object& index) {
  if (py::isinstance<py::str>(index)) {
    const std::string path = index.cast<std::string>();
    if (Layer* l = find_layer(*m.net, path)) return {m.net, l, path};
    throw py::index_error("no layer " + path + " (layers 0-" + std::to_string(m.net->size() - 1) + ")");
  }
  long long i = index.cast<long long>();
  const auto n = static_cast<long long>(m.net->size());
  if (i < 0) i += n;
  if (i < 0 || i >= n) throw py::index_error("no layer " + std::string(py::str(index)) + " (layers 0-" + std::to_string(n - 1) + ")");
  return {m.net, &(*m.net)[static_cast<std::size_t>(i)], std::to_string(i)};
}

void set_frozen(Layer& layer, bool frozen) {
  for (auto& [n, p] : layer.parameters()) p->frozen = frozen;
}

std::vector<std::string> numbered_classes(std::size_t n) {
  std::vector<std::string> c;
  for (std::size_t i = 0; i < n; ++i) c.push_back(std::to_string(i));
  return c;
}

std::shared_ptr<Model> build(const std::string& spec_or_preset, const std::vector<std::size_t>& input_shape, std::size_t classes,
                             std::uint64_t seed) {
  if (input_shape.size() != 3) throw std::invalid_argument("input_shape: expected (channels, height, width), got " + shape_str(input_shape));
  auto m = std::make_shared<Model>();
  m->input_shape = input_shape;
  m->setting = spec_or_preset;
  m->spec = expand_preset(spec_or_preset, classes);
  manual_seed(seed);
  m->net = build_model(m->spec, input_shape, classes);
  m->fresh_rng = global_rng().state();
  m->seed = seed;
  m->classes = numbered_classes(classes);
  return m;
}

// Sequential([minicnn.Conv2d(1, 6, 5, padding=2), minicnn.ReLU(), ...]): one spec, then the sizes
// the caller stated checked against the built layers. Layers written in Python (minicnn.Layer) go
// between the runs of spec layers, each run built for the shape the layers before it give.
std::shared_ptr<Model> build_from_layers(const py::list& layers, const std::vector<std::size_t>& input_shape, std::size_t classes,
                                         std::uint64_t seed) {
  std::string spec;
  std::vector<LayerSpec> items;
  bool python = false;
  for (const auto& item : layers) {
    if (is_python_layer(item)) {
      python = true;
      items.push_back(LayerSpec{py::str(py::repr(item)), "", 0});
      continue;
    }
    if (!py::isinstance<LayerSpec>(item))
      throw std::invalid_argument("Sequential: item " + std::to_string(items.size()) + " is a " +
                                  std::string(py::str(py::type::of(item).attr("__name__"))) + ", not a minicnn layer");
    items.push_back(item.cast<LayerSpec>());
    spec += (spec.empty() ? "" : ", ") + items.back().spec;
  }
  if (items.empty()) throw std::invalid_argument("Sequential: no layers");
  std::shared_ptr<Model> m;
  if (!python) {
    m = build(spec, input_shape, classes, seed);
  } else {
    if (input_shape.size() != 3) throw std::invalid_argument("input_shape: expected (channels, height, width), got " + shape_str(input_shape));
    m = std::make_shared<Model>();
    m->input_shape = input_shape;
    m->net = std::make_shared<Sequential>();
    manual_seed(seed);
    Shape shape = input_shape;
    std::string run;  // spec layers not yet built
    auto build_run = [&] {
      if (run.empty()) return;
      for (auto& l : build_model(run, shape, classes)->take_layers()) shape = sample_output_shape(m->net->add(std::move(l)), shape);
      run.clear();
    };
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (!items[i].spec.empty()) {
        run += (run.empty() ? "" : ", ") + items[i].spec;
        continue;
      }
      build_run();
      shape = sample_output_shape(m->net->add(python_layer(layers[i])), shape);
    }
    build_run();
    m->fresh_rng = global_rng().state();
    m->seed = seed;
  }
  const std::vector<Shape> outputs = m->net->output_shapes(input_shape);
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Shape& in = i == 0 ? m->input_shape : outputs[i - 1];  // per sample: (C, H, W) or (features)
    if (items[i].expect_in && in[0] != items[i].expect_in)
      throw std::invalid_argument("Sequential: layer " + std::to_string(i) + " " + items[i].repr + " expects " +
                                  std::to_string(items[i].expect_in) + " input channels or features, but gets " + shape_str(in) +
                                  " per sample");
  }
  m->classes = numbered_classes(classes);
  return m;
}

void bind_layer_specs(py::module_& m) {
  py::class_<LayerSpec>(m, "LayerSpec", "A layer before it is in a model: its spec item; minicnn.Sequential([...]) builds it")
      .def_readonly("spec", &LayerSpec::spec)
      .def("__repr__", [](const LayerSpec& l) { return l.repr; });
  m.def("Conv2d", [](std::size_t in, std::size_t out, const py::object& k, const py::object& stride, const py::object& padding,
                     const py::object& dilation, std::size_t groups, bool bias) {
    const Size2 ks = size2(k, "kernel_size"), st = size2(stride, "stride"), pd = size2(padding, "padding"), dl = size2(dilation, "dilation");
    LayerSpec l;
    l.spec = "conv " + std::to_string(out) + " " + size2_text(ks) + " stride=" + size2_text(st) + " pad=" + size2_text(pd) +
             " dilation=" + size2_text(dl) + " groups=" + std::to_string(groups) + " bias=" + (bias ? "1" : "0");
    l.repr = "Conv2d(" + std::to_string(in) + ", " + std::to_string(out) + ", kernel_size=" + size2_str(ks) + ", stride=" + size2_str(st) +
             ", padding=" + size2_str(pd) + ")";
    l.expect_in = in;
    return l;
  }, py::arg("in_channels"), py::arg("out_channels"), py::arg("kernel_size"), py::arg("stride") = 1, py::arg("padding") = 0,
     py::arg("dilation") = 1, py::arg("groups") = 1, py::arg("bias") = true);
  m.def("Linear", [](std::size_t in, std::size_t out, bool bias) {
    return LayerSpec{"Linear(in_features=" + std::to_string(in) + ", out_features=" + std::to_string(out) + ")",
                     "linear " + std::to_string(out) + " bias=" + (bias ? "1" : "0"), in};
  }, py::arg("in_features"), py::arg("out_features"), py::arg("bias") = true);
  for (const char* pool : {"MaxPool2d", "AvgPool2d"})
    m.def(pool, [pool](const py::object& k, const py::object& stride) {
      const Size2 ks = size2(k, "kernel_size");
      const Size2 st = stride.is_none() ? ks : size2(stride, "stride");
      return LayerSpec{std::string(pool) + "(kernel_size=" + size2_str(ks) + ", stride=" + size2_str(st) + ")",
                       std::string(pool[0] == 'M' ? "maxpool " : "avgpool ") + size2_text(ks) + " stride=" + size2_text(st), 0};
    }, py::arg("kernel_size"), py::arg("stride") = py::none());
  m.def("BatchNorm2d", [](std::size_t n, double eps, double momentum) {
    return LayerSpec{"BatchNorm2d(" + std::to_string(n) + ", eps=" + num(eps) + ", momentum=" + num(momentum) + ")",
                     "batchnorm eps=" + num(eps) + " momentum=" + num(momentum), n};
  }, py::arg("num_features"), py::arg("eps") = 1e-5, py::arg("momentum") = 0.1);
  m.def("Dropout", [](double p) { return LayerSpec{"Dropout(p=" + num(p) + ")", "dropout p=" + num(p), 0}; }, py::arg("p") = 0.5);
  m.def("LeakyReLU", [](double s) { return LayerSpec{"LeakyReLU(negative_slope=" + num(s) + ")", "leakyrelu slope=" + num(s), 0}; },
        py::arg("negative_slope") = 0.01);
  for (auto [name, word] : {std::pair{"ReLU", "relu"}, {"Flatten", "flatten"}, {"Sigmoid", "sigmoid"}, {"Tanh", "tanh"},
                            {"GlobalAvgPool2d", "globalavgpool"}})
    m.def(name, [name = std::string(name), word = std::string(word)]() { return LayerSpec{name + "()", word, 0}; });
}

// uint8 pictures (N, H, W) or (N, C, H, W) as the model's inputs (N, C, H, W), prepared as `minicnn
// predict` prepares a picture file (model_input, train/data_source.hpp).
Tensor prepare(Model& m, const py::array& images) {
  if (!m.data)
    throw std::invalid_argument("predict needs to know how the training images were prepared: load a checkpoint or train the model "
                                "first (m(x) takes inputs already prepared)");
  if (!images.dtype().is(py::dtype::of<std::uint8_t>()))
    throw std::invalid_argument("predict: expected dtype uint8, got " + std::string(py::str(images.dtype())));
  if (images.ndim() != 3 && images.ndim() != 4)
    throw std::invalid_argument("predict: expected pictures (N, H, W) or (N, C, H, W), got " + shape_of(images));
  const auto a = py::array_t<std::uint8_t, py::array::c_style>::ensure(images);
  const std::size_t n = a.shape(0), c = a.ndim() == 4 ? a.shape(1) : 1, h = a.shape(a.ndim() - 2), w = a.shape(a.ndim() - 1);
  if (c != 1 && c != 3) throw std::invalid_argument("predict: expected 1 or 3 channels, got " + shape_of(images));
  Shape batch{n};
  batch.insert(batch.end(), m.input_shape.begin(), m.input_shape.end());
  Tensor x(batch);
  const std::size_t sample = x.size() / std::max<std::size_t>(n, 1);
  for (std::size_t i = 0; i < n; ++i) {
    Image picture(w, h, c);
    const std::uint8_t* src = a.data() + i * c * h * w;
    for (std::size_t ch = 0; ch < c; ++ch)
      for (std::size_t p = 0; p < h * w; ++p) picture.pixels[p * c + ch] = src[ch * h * w + p];
    const Tensor one = model_input(picture, m.input_shape, *m.data, /*raw=*/false);
    std::copy(one.begin(), one.end(), x.data() + i * sample);
  }
  return x;
}

py::tuple predict(Model& m, const py::array& images) {
  const Tensor x = prepare(m, images);
  const std::size_t n = x.shape(0);
  const Tensor z = forward(m, x);
  SoftmaxCrossEntropy sm;
  sm.forward(z, std::vector<int>(n, 0));
  py::array_t<std::int64_t> best(static_cast<py::ssize_t>(n));
  const Tensor& prob = sm.probabilities();
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t k = 0;
    for (std::size_t j = 1; j < z.shape(1); ++j)
      if (prob(i, j) > prob(i, k)) k = j;
    best.mutable_at(i) = static_cast<std::int64_t>(k);
  }
  return py::make_tuple(best, numpy_copy(prob));
}

}  // namespace

std::mutex& lock_of(const Model& m) {
  static std::mutex guard;
  static std::map<const Sequential*, std::unique_ptr<std::mutex>> locks;
  std::lock_guard<std::mutex> g(guard);
  auto& l = locks[m.net.get()];
  if (!l) l = std::make_unique<std::mutex>();
  return *l;
}

void bind_model(py::module_& m) {
  bind_layer_specs(m);
  py::class_<LayerRef>(m, "LayerView", "A layer of a model (m[i]); its parameters are numpy views that write through")
      .def_property(
          "weight", [](const LayerRef& l) { return numpy_view(l.parameter("weight").value, l.owner); },
          [](const LayerRef& l, const py::handle& v) {
            Parameter& p = l.parameter("weight");
            const Tensor t = to_tensor(v, "weight");
            if (t.shape() != p.value.shape())
              throw std::invalid_argument("weight: expected shape " + shape_str(p.value.shape()) + ", got " + shape_str(t.shape()));
            std::copy(t.begin(), t.end(), p.value.begin());
          })
      .def_property(
          "bias", [](const LayerRef& l) { return numpy_view(l.parameter("bias").value, l.owner); },
          [](const LayerRef& l, const py::handle& v) {
            Parameter& p = l.parameter("bias");
            const Tensor t = to_tensor(v, "bias");
            if (t.shape() != p.value.shape())
              throw std::invalid_argument("bias: expected shape " + shape_str(p.value.shape()) + ", got " + shape_str(t.shape()));
            std::copy(t.begin(), t.end(), p.value.begin());
          })
      .def("parameters", [](const LayerRef& l) {
        py::dict d;
        for (auto& [n, p] : l.layer->parameters()) d[py::str(n)] = numpy_view(p->value, l.owner);
        return d;
      }, "name -> numpy view of every parameter of this layer (nested ones too)")
      .def("freeze", [](const LayerRef& l) { set_frozen(*l.layer, true); }, "keep this layer's parameters out of training")
      .def("unfreeze", [](const LayerRef& l) { set_frozen(*l.layer, false); })
      .def_property_readonly("frozen", [](const LayerRef& l) {
        for (auto& [n, p] : l.layer->parameters())
          if (!p->frozen) return false;
        return !l.layer->parameters().empty();
      })
      .def_property_readonly("path", [](const LayerRef& l) { return l.path; })
      .def_property_readonly("spec", [](const LayerRef& l) { return l.layer->spec(); })
      .def("__repr__", [](const LayerRef& l) { return l.layer->name(); });

  py::class_<Model, std::shared_ptr<Model>>(m, "Model", "A trained or untrained minicnn model (a Sequential of layers)")
      .def("__call__", [](Model& self, const py::handle& x) { return numpy_copy(forward(self, to_tensor(x, "input"))); },
           py::arg("x"), "logits (N, classes) of a float32 batch (N, C, H, W) in the model's normalised units")
      .def("predict", &predict, py::arg("images"),
           "classes (N,) and probabilities (N, classes) of uint8 pictures (N, H, W) or (N, C, H, W), prepared as `minicnn predict` does")
      .def("prepare", [](Model& self, const py::array& images) { return numpy_copy(prepare(self, images)); }, py::arg("images"),
           "uint8 pictures (N, H, W) or (N, C, H, W) as float32 inputs (N, C, H, W) for m(x), prepared as predict prepares them")
      .def("summary", [](Model& self) { return self.net->summary(self.input_shape); })
      .def("__str__", [](Model& self) { return self.net->summary(self.input_shape); })
      .def("__repr__", [](Model& self) { return self.net->name(); })
      .def("__len__", [](Model& self) { return self.net->size(); })
      .def("__getitem__", &layer_at, py::arg("index"))
      .def_property_readonly("classes", [](Model& self) { return self.classes; })
      .def_property_readonly("input_shape", [](Model& self) { return py::tuple(py::cast(self.input_shape)); })
      .def_property_readonly("spec", [](Model& self) { return self.spec; })
      .def_property_readonly("normalization", [](Model& self) -> py::object {
        if (!self.data || self.data->norm.empty()) return py::none();
        py::dict d;
        d["mean"] = self.data->norm.mean, d["std"] = self.data->norm.std;
        return d;
      }, "{'mean': [...], 'std': [...]} per channel: x = (pixel / 255 - mean) / std; None when unknown or off")
      .def("state_dict", [](Model& self) {
        py::dict d;
        for (auto& [name, t] : model_tensors(*self.net)) d[py::str(name)] = numpy_copy(*t);
        return d;
      }, "name -> float32 array (a copy) of every parameter and buffer, named as in the checkpoint and PyTorch")
      .def("load_state_dict", [](Model& self, const py::dict& d) {
        auto tensors = model_tensors(*self.net);
        std::vector<Tensor> values;
        for (auto& [name, t] : tensors) {  // every check before any write: a refused dict changes nothing
          if (!d.contains(name)) throw std::invalid_argument("load_state_dict: missing '" + name + "'");
          values.push_back(to_tensor(d[py::str(name)], name));
          if (values.back().shape() != t->shape())
            throw std::invalid_argument("load_state_dict: '" + name + "' has shape " + shape_str(values.back().shape()) + ", the model's is " +
                                        shape_str(t->shape()));
        }
        for (const auto& [k, v] : d) {
          const std::string key = py::str(k);
          if (std::none_of(tensors.begin(), tensors.end(), [&](const auto& e) { return e.first == key; }))
            throw std::invalid_argument("load_state_dict: the model has no '" + key + "'");
        }
        for (std::size_t i = 0; i < tensors.size(); ++i) std::copy(values[i].begin(), values[i].end(), tensors[i].second->begin());
      }, py::arg("state_dict"))
      .def("freeze", [](Model& self) { set_frozen(*self.net, true); })
      .def("unfreeze", [](Model& self) { set_frozen(*self.net, false); })
      .def("train", [](Model& self) { self.net->train(); }, "training mode (Dropout, BatchNorm batch statistics); m(x) always runs in eval mode")
      .def("eval", [](Model& self) { self.net->eval(); });

  m.def("Sequential", [](const py::object& what, const std::vector<std::size_t>& input_shape, std::size_t classes, std::uint64_t seed) {
    if (py::isinstance<py::str>(what)) return build(what.cast<std::string>(), input_shape, classes, seed);
    if (py::isinstance<py::list>(what) || py::isinstance<py::tuple>(what))
      return build_from_layers(py::list(what), input_shape, classes, seed);
    throw std::invalid_argument("Sequential: expected a spec, a preset name or a list of layers");
  }, py::arg("spec"), py::arg("input_shape") = std::vector<std::size_t>{1, 28, 28}, py::arg("classes") = 10, py::arg("seed") = 1,
     "a model from a spec (\"conv 6 5 pad=2, relu, ...\"), a preset name (minicnn.presets()) or a list of layers, "
     "its weights drawn from seed");
  m.def("presets", [] { return preset_names(); }, "the names of the preset models");
  m.def("load", [](const std::string& path) {
    return about_files([&] {
      auto model = std::make_shared<Model>();
      CheckpointInfo info;
      model->net = load_model(checkpoint_path(path), &info);
      model->input_shape = info.input_shape;
      model->spec = model->setting = info.spec;
      model->data = read_data_record(info);
      model->classes = model->data->classes;
      model->info = info;
      return model;
    });
  }, py::arg("path"), "a model from a run folder or a checkpoint (.npz)");
  m.def("import_onnx", [](const std::string& path) {
    return about_files([&] {
      OnnxImport imported = import_onnx(path);
      auto model = std::make_shared<Model>();
      model->net = std::move(imported.model);
      model->input_shape = imported.input_shape;
      model->spec = model->setting = imported.spec;
      model->classes = imported.classes;
      return py::make_tuple(model, imported.notes);
    });
  }, py::arg("path"), "(model, notes): an ONNX model read as minicnn import reads it, and what the import changed or left out");
}

}  // namespace minicnn::python
