#pragma once
// What the Python module's parts share: the model and dataset objects Python holds, numpy views of
// minicnn's tensors and bytes, and how C++ errors become Python exceptions. One .cpp per part
// (model.cpp, data.cpp, train.cpp, vision.cpp, explain.cpp, experiment.cpp, python_layer.cpp), each
// adding its names in bind_<part>; module.cpp makes the module.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "minicnn/core/sequential.hpp"
#include "minicnn/data/datasets.hpp"
#include "minicnn/io/checkpoint.hpp"
#include "minicnn/train/data_source.hpp"
#include "minicnn/train/errors.hpp"

namespace minicnn::python {

namespace py = pybind11;

// A file that cannot be read or written: OSError in Python (module.cpp maps it). Bad arguments
// (std::invalid_argument, SpecError, UsageError) become ValueError.
struct FileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Runs f, turning a std::runtime_error that is not a UsageError into a FileError: for calls whose
// only other failure is a file (loading a checkpoint, reading a dataset).
template <class F>
auto about_files(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const UsageError&) {
    throw;
  } catch (const FileError&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw FileError(e.what());
  }
}

// A model as Python holds it: the layers, the per-sample input shape, the spec it was built from,
// and what a checkpoint or a training run says about its data (classes, normalisation).
struct Model {
  std::shared_ptr<Sequential> net;
  Shape input_shape;
  std::string spec;     // the architecture as checkpoints record it (empty: it has a Python layer)
  std::string setting;  // train's model setting: the preset name or the spec as given
  std::vector<std::string> classes;
  std::optional<DataRecord> data;          // after load() or train(): how inputs are prepared
  std::optional<CheckpointInfo> info;      // after load() or train(): what save() writes with it
  std::optional<std::string> fresh_rng;    // the generator right after building with `seed`
  std::uint64_t seed = 1;
};

// One lock per model: its layers own their buffers, so two threads must not run it at once (a
// forward, an evaluation, which frees them when done).
std::mutex& lock_of(const Model& m);

// A dataset read by minicnn.datasets: both splits and where they came from.
struct Data {
  DataSplits splits;
  DataSource source;
};

// One split of a dataset (data.train, data.test), keeping the whole dataset alive.
struct Split {
  std::shared_ptr<Data> owner;
  Dataset* set;
};

// A numpy array over `size` values at `data` shaped `shape`, without a copy; `owner` stays alive
// as long as the array does.
template <class T>
py::array_t<T> numpy_view(T* data, const Shape& shape, std::shared_ptr<const void> owner) {
  std::vector<py::ssize_t> dims(shape.begin(), shape.end()), strides(shape.size());
  py::ssize_t step = sizeof(T);
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i] = step;
    step *= static_cast<py::ssize_t>(shape[i]);
  }
  auto* keep = new std::shared_ptr<const void>(std::move(owner));
  py::capsule base(keep, [](void* p) { delete static_cast<std::shared_ptr<const void>*>(p); });
  return py::array_t<T>(dims, strides, data, base);
}
inline py::array_t<float> numpy_view(Tensor& t, std::shared_ptr<const void> owner) {
  return numpy_view<float>(t.data(), Shape(t.shape().begin(), t.shape().end()), std::move(owner));
}
// A copy of a tensor as a new numpy array.
py::array_t<float> numpy_copy(const Tensor& t);
// A float32 numpy array as a tensor (copied). Anything but float32 is a ValueError naming `what`
// and the dtype it got: nothing is converted silently.
Tensor to_tensor(const py::handle& array, const std::string& what);
// "(8, 1, 28, 28)" for a numpy array's shape.
std::string shape_of(const py::array& a);

// A minicnn.Layer subclass written in Python, and the C++ Layer that runs it (python_layer.cpp).
bool is_python_layer(const py::handle& object);
std::unique_ptr<Layer> python_layer(const py::handle& object);

void bind_python_layer(py::module_& m);
void bind_model(py::module_& m);
void bind_data(py::module_& m);
void bind_train(py::module_& m);
void bind_vision(py::module_& m);
void bind_explain(py::module_& m);
void bind_experiment(py::module_& m);

}  // namespace minicnn::python
