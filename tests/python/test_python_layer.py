"""A layer written in Python: gradient-checked, and trained inside lenet5 beside the C++ layers
(acceptance 4), with its overhead against the same model all in C++.
    PYTHONPATH=build/python python3 tests/python/test_python_layer.py MINICNN SOURCE_DIR"""
import os
import sys
import time
import unittest

import numpy as np

import minicnn

CLI, SOURCE = sys.argv[1], sys.argv[2]
MNIST = os.path.join(SOURCE, "data", "mnist")


class Scale(minicnn.Layer):
    """y = x * s + b per channel: a parameterised layer."""

    def __init__(self, channels):
        super().__init__()
        self.s = np.ones(channels, np.float32)
        self.b = np.zeros(channels, np.float32)

    def parameters(self):
        return {"scale": self.s, "shift": self.b}

    def forward(self, x):
        self.x = x
        return x * self.s[None, :, None, None] + self.b[None, :, None, None]

    def backward(self, dy):
        self.grad["scale"] = (dy * self.x).sum(axis=(0, 2, 3))
        self.grad["shift"] = dy.sum(axis=(0, 2, 3))
        return dy * self.s[None, :, None, None]


class Swish(minicnn.Layer):
    """y = x * sigmoid(x), no parameters."""

    def forward(self, x):
        self.x = x
        self.sig = 1 / (1 + np.exp(-x))
        return (x * self.sig).astype(np.float32)

    def backward(self, dy):
        return (dy * (self.sig + self.x * self.sig * (1 - self.sig))).astype(np.float32)


class WrongGrad(Swish):
    def backward(self, dy):
        return (dy * self.sig).astype(np.float32)  # forgets the second term


def lenet5_with(layer):
    return minicnn.Sequential([minicnn.Conv2d(1, 6, 5, padding=2), layer, minicnn.MaxPool2d(2),
                               minicnn.Conv2d(6, 16, 5), minicnn.ReLU(), minicnn.MaxPool2d(2), minicnn.Flatten(),
                               minicnn.Linear(400, 120), minicnn.ReLU(), minicnn.Linear(120, 84), minicnn.ReLU(),
                               minicnn.Linear(84, 10)], input_shape=(1, 28, 28), seed=1)


class PythonLayer(unittest.TestCase):
    def test_gradcheck(self):
        for layer in (Scale(3), Swish()):
            r = minicnn.gradcheck(layer, (2, 3, 5, 5))
            self.assertTrue(r["ok"], r["report"])
            self.assertGreater(r["checked"], 0)
        r = minicnn.gradcheck(WrongGrad(), (2, 3, 5, 5))
        self.assertFalse(r["ok"])
        self.assertGreater(r["wrong"], 0)

    def test_trains_inside_lenet5(self):
        data = minicnn.datasets.mnist(MNIST)
        scale = Scale(6)
        net = lenet5_with(scale)
        self.assertEqual(list(net.state_dict())[:4], ["0.weight", "0.bias", "1.scale", "1.shift"])
        start = time.perf_counter()
        history = minicnn.train(net, data, epochs=1, limit=6000, threads=2)
        python_seconds = time.perf_counter() - start
        self.assertGreater(history[0]["test_accuracy"], 0.9)
        self.assertFalse(np.all(scale.s == 1))  # trained in place
        np.testing.assert_array_equal(net.state_dict()["1.scale"], scale.s)
        same = minicnn.Sequential("conv 6 5 pad=2, relu, maxpool 2, conv 16 5, relu, maxpool 2, flatten, linear 120, relu, "
                                  "linear 84, relu, linear 10", seed=1)
        start = time.perf_counter()
        minicnn.train(same, data, epochs=1, limit=6000, threads=2)
        cpp_seconds = time.perf_counter() - start
        print(f"\nlenet5 with a Python Scale layer: {python_seconds:.2f} s for 6000 images and the test set, "
              f"all in C++: {cpp_seconds:.2f} s")
        with self.assertRaisesRegex(ValueError, "cannot be saved"):
            minicnn.train(net, data, epochs=1, limit=100, out="/tmp/never")
        with self.assertRaisesRegex(ValueError, "no spec form"):
            minicnn.save(net, "/tmp/never.npz")

    def test_errors(self):
        class Bad(minicnn.Layer):
            def forward(self, x):
                return x.astype(np.float64)

            def backward(self, dy):
                return dy

        net = minicnn.Sequential([minicnn.Flatten(), minicnn.Linear(784, 10)])
        with self.assertRaisesRegex(ValueError, "Bad.forward result: expected dtype float32, got float64"):
            minicnn.Sequential([Bad(), minicnn.Flatten(), minicnn.Linear(784, 10)])
        self.assertEqual(net(np.zeros((1, 1, 28, 28), np.float32)).shape, (1, 10))


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
