// A layer written in Python: a subclass of minicnn.Layer with forward(x) and backward(dy) on numpy
// arrays, and parameters() if it has any, runs inside a Sequential as any C++ layer does, and
// minicnn.gradcheck checks it.
#include "bindings.hpp"
#include "minicnn/core/gradcheck.hpp"
#include "minicnn/core/init.hpp"

namespace minicnn::python {

namespace {

// What minicnn.Layer is in C++: nothing; Python subclasses carry everything.
struct LayerBase {};

// The contract of core/layer.hpp around a Python object. Its parameters live here (the optimiser
// updates them); before every forward they are copied into the arrays parameters() returned, so the
// Python code reads them where it keeps them. backward reads each gradient from self.grad[name].
class PythonLayer final : public Layer {
 public:
  explicit PythonLayer(py::object layer) : layer_(std::move(layer)) {
    const py::dict params = layer_.attr("parameters")();
    for (const auto& [k, v] : params) {
      if (!py::isinstance<py::array>(v) || !py::reinterpret_borrow<py::array>(v).dtype().is(py::dtype::of<float>()) ||
          !(py::reinterpret_borrow<py::array>(v).flags() & py::array::c_style))
        throw std::invalid_argument(type_name() + ".parameters(): '" + std::string(py::str(k)) + "' is not a C-contiguous float32 array");
      auto p = std::make_unique<Parameter>();
      p->value = to_tensor(v, type_name() + ".parameters()['" + std::string(py::str(k)) + "']");
      p->grad = Tensor::from_shape(p->value.shape());
      p->grad.fill(0.f);
      names_.push_back(py::str(k));
      arrays_.push_back(py::reinterpret_borrow<py::array>(v));
      params_.push_back(std::move(p));
    }
  }
  ~PythonLayer() override {
    py::gil_scoped_acquire gil;
    arrays_.clear();
    layer_ = py::object();
  }

  const Tensor& forward(const Tensor& x) override {
    py::gil_scoped_acquire gil;
    for (std::size_t i = 0; i < params_.size(); ++i)
      std::copy(params_[i]->value.begin(), params_[i]->value.end(), static_cast<float*>(arrays_[i].mutable_data()));
    layer_.attr("training") = training();
    y_ = call("forward", x, "forward");
    forward_done_ = true;
    return y_;
  }

  // dx = what the Python backward returns; dL/dparam[name] = self.grad[name] after it.
  const Tensor& backward(const Tensor& dy) override {
    check_backward(forward_done_, dy, y_);
    py::gil_scoped_acquire gil;
    dx_ = call("backward", dy, "backward");
    const py::dict grads = layer_.attr("grad");
    for (std::size_t i = 0; i < params_.size(); ++i) {
      if (!grads.contains(names_[i])) throw std::invalid_argument(type_name() + ".backward: no self.grad['" + names_[i] + "']");
      const Tensor g = to_tensor(grads[py::str(names_[i])], type_name() + ".grad['" + names_[i] + "']");
      if (g.shape() != params_[i]->value.shape())
        throw std::invalid_argument(type_name() + ".grad['" + names_[i] + "']: expected shape " + shape_str(params_[i]->value.shape()) +
                                    ", got " + shape_str(g.shape()));
      std::copy(g.begin(), g.end(), params_[i]->grad.begin());
    }
    return dx_;
  }

  NamedParameters parameters() override {
    NamedParameters p;
    for (std::size_t i = 0; i < params_.size(); ++i) p.emplace_back(names_[i], params_[i].get());
    return p;
  }
  std::string name() const override {
    py::gil_scoped_acquire gil;
    return py::str(py::repr(layer_));
  }

 private:
  std::string type_name() const { return py::str(py::type::of(layer_).attr("__name__")); }
  Tensor call(const char* method, const Tensor& in, const char* what) {
    py::object out = layer_.attr(method)(numpy_copy(in));
    return to_tensor(out, type_name() + "." + what + " result");
  }
  py::object layer_;
  std::vector<std::string> names_;
  std::vector<py::array> arrays_;
  std::vector<std::unique_ptr<Parameter>> params_;
  Tensor y_, dx_;
  bool forward_done_ = false;
};

}  // namespace

bool is_python_layer(const py::handle& object) { return py::isinstance<LayerBase>(object); }

std::unique_ptr<Layer> python_layer(const py::handle& object) { return std::make_unique<PythonLayer>(py::reinterpret_borrow<py::object>(object)); }

void bind_python_layer(py::module_& m) {
  py::class_<LayerBase>(m, "Layer", py::dynamic_attr(),
                        "Base of a layer written in Python: implement forward(self, x) and backward(self, dy) on float32 numpy "
                        "arrays; backward returns dx and puts each parameter's gradient in self.grad[name]; parameters() "
                        "returns name -> float32 array (the arrays the layer computes with; training updates them in place)")
      .def(py::init([](py::args, py::kwargs) { return LayerBase{}; }))
      .def("parameters", [](py::object) { return py::dict(); })
      .def_property_readonly("grad", [](py::object self) {
        py::dict own = self.attr("__dict__");
        if (!own.contains("_grad")) own["_grad"] = py::dict();
        return own["_grad"];
      }, "name -> gradient of each parameter, which backward fills")
      .def("__repr__", [](py::object self) { return std::string(py::str(py::type::of(self).attr("__name__"))) + "()"; });
  m.def("gradcheck", [](py::object layer, const std::vector<std::size_t>& input_shape, std::uint64_t seed) {
    Shape shape{input_shape.begin(), input_shape.end()};
    if (shape.empty()) throw std::invalid_argument("gradcheck: input_shape is empty");
    std::unique_ptr<Layer> owned;
    Layer* l = nullptr;
    if (is_python_layer(layer)) l = (owned = python_layer(layer)).get();
    else throw std::invalid_argument("gradcheck: expected a minicnn.Layer");
    Rng rng(seed);
    Tensor x = Tensor::from_shape(shape);
    for (auto& v : x) v = rng.uniform(-1.f, 1.f);
    GradCheckOptions o;
    o.seed = seed;
    const GradCheckResult r = check_gradients(*l, x, o);
    py::dict d;
    d["ok"] = r.ok(), d["checked"] = r.checked, d["wrong"] = r.wrong, d["report"] = r.report;
    return d;
  }, py::arg("layer"), py::arg("input_shape"), py::arg("seed") = 1,
     "backward against central differences of forward (core/gradcheck.hpp) on a random input: {'ok', 'checked', 'wrong', 'report'}");
}

}  // namespace minicnn::python
