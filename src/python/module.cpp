// The Python module minicnn: numpy in and out around the C++ library, the GIL released while it
// works. Its parts are bound in model.cpp, data.cpp, train.cpp and vision.cpp.
#include "bindings.hpp"

#include <algorithm>
#include <cctype>

#include "minicnn/core/spec.hpp"

namespace minicnn::python {

py::array_t<float> numpy_copy(const Tensor& t) {
  std::vector<py::ssize_t> dims(t.shape().begin(), t.shape().end());
  py::array_t<float> a(dims);
  std::copy(t.begin(), t.end(), a.mutable_data());
  return a;
}

std::string shape_of(const py::array& a) {
  Shape s;
  for (py::ssize_t i = 0; i < a.ndim(); ++i) s.push_back(static_cast<std::size_t>(a.shape(i)));
  return shape_str(s);
}

Tensor to_tensor(const py::handle& object, const std::string& what) {
  if (!py::isinstance<py::array>(object))
    throw std::invalid_argument(what + ": expected a numpy array, got " + std::string(py::str(py::type::of(object).attr("__name__"))));
  const auto a = py::reinterpret_borrow<py::array>(object);
  if (!a.dtype().is(py::dtype::of<float>()))
    throw std::invalid_argument(what + ": expected dtype float32, got " + std::string(py::str(a.dtype())) +
                                " (convert with .astype(numpy.float32))");
  const auto c = py::array_t<float, py::array::c_style>::ensure(a);
  Shape shape;
  for (py::ssize_t i = 0; i < c.ndim(); ++i) shape.push_back(static_cast<std::size_t>(c.shape(i)));
  Tensor t(shape);
  std::copy(c.data(), c.data() + c.size(), t.data());
  return t;
}

// A UsageError names the tool's options ("--image-size big: ..."); from Python they are keyword
// arguments: "image_size big: ...".
std::string as_keywords(std::string message) {
  for (std::size_t at = message.find("--"); at != std::string::npos; at = message.find("--", at)) {
    const bool starts_word = at == 0 || message[at - 1] == ' ' || message[at - 1] == '(' || message[at - 1] == '\'';
    std::size_t end = at + 2;
    while (end < message.size() && (std::islower(static_cast<unsigned char>(message[end])) || message[end] == '-')) ++end;
    if (!starts_word || end == at + 2) {
      at += 2;
      continue;
    }
    std::string word = message.substr(at + 2, end - at - 2);
    std::replace(word.begin(), word.end(), '-', '_');
    message.replace(at, end - at, word);
    at += word.size();
  }
  return message;
}

}  // namespace minicnn::python

PYBIND11_MODULE(minicnn, m) {
  namespace mp = minicnn::python;
  m.doc() = "minicnn: a small CNN library in C++, from Python (numpy in and out)";
  // Bad arguments are ValueError, files OSError; the message is the library's one line.
  pybind11::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const mp::FileError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    } catch (const minicnn::UsageError& e) {
      PyErr_SetString(PyExc_ValueError, mp::as_keywords(e.what()).c_str());
    }
  });
  mp::bind_python_layer(m);
  mp::bind_model(m);
  mp::bind_data(m);
  mp::bind_train(m);
  mp::bind_vision(m);
  mp::bind_explain(m);
  mp::bind_experiment(m);
}
