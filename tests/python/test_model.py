"""The module's core: Sequential, load, state_dict, layer views that write through, m(x), predict
and the errors that leave a model usable.
    PYTHONPATH=build/python python3 tests/python/test_model.py MINICNN SOURCE_DIR"""
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

import minicnn

CLI, SOURCE = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="minicnn_py_model_")
MNIST = os.path.join(SOURCE, "data", "mnist")


def batch(n=4, seed=0):
    return np.random.default_rng(seed).standard_normal((n, 1, 28, 28)).astype(np.float32)


class Core(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # A small run of the tool, to load back: its folder and its checkpoint.
        cls.folder = os.path.join(TMP, "run")
        subprocess.run([CLI, "train", "--data", MNIST, "--limit", "1000", "--test-limit", "500", "--epochs", "1",
                        "--threads", "1", "--out", cls.folder], check=True, stdout=subprocess.DEVNULL)

    def test_presets_and_sequential(self):
        self.assertIn("lenet5", minicnn.presets())
        net = minicnn.Sequential("lenet5", input_shape=(1, 28, 28), classes=10, seed=1)
        self.assertEqual(len(net), 12)
        self.assertEqual(net(batch()).shape, (4, 10))
        self.assertIn("Conv2d", net.summary())
        self.assertEqual(str(net), net.summary())
        same = minicnn.Sequential("lenet5", seed=1)
        np.testing.assert_array_equal(net[0].weight, same[0].weight)
        other = minicnn.Sequential("lenet5", seed=2)
        self.assertFalse(np.array_equal(net[0].weight, other[0].weight))

    def test_layer_objects_build_the_same_model_as_the_spec(self):
        spec = minicnn.Sequential("conv 6 5 pad=2, relu, maxpool 2, flatten, linear 10", seed=3)
        objs = minicnn.Sequential([minicnn.Conv2d(1, 6, 5, padding=2), minicnn.ReLU(), minicnn.MaxPool2d(2),
                                   minicnn.Flatten(), minicnn.Linear(6 * 14 * 14, 10)], seed=3)
        x = batch()
        np.testing.assert_array_equal(spec(x), objs(x))
        self.assertEqual(repr(minicnn.Conv2d(1, 6, 5, padding=2)), "Conv2d(1, 6, kernel_size=5, stride=1, padding=2)")
        with self.assertRaisesRegex(ValueError, r"layer 0 Conv2d\(3, 6.*expects 3 input channels"):
            minicnn.Sequential([minicnn.Conv2d(3, 6, 5), minicnn.ReLU()])
        with self.assertRaisesRegex(ValueError, "layer 3 .*expects 100"):
            minicnn.Sequential([minicnn.Conv2d(1, 6, 5, padding=2), minicnn.ReLU(), minicnn.Flatten(), minicnn.Linear(100, 10)])

    def test_state_dict_equals_the_checkpoint(self):
        m = minicnn.load(self.folder)
        on_disk = np.load(os.path.join(self.folder, "model.npz"))
        sd = m.state_dict()
        self.assertIn("0.weight", sd)
        for name, value in sd.items():
            self.assertEqual(value.dtype, np.float32)
            np.testing.assert_array_equal(value, on_disk[name])
        self.assertEqual(m.classes, [str(i) for i in range(10)])

    def test_views_share_memory_and_write_through(self):
        m = minicnn.load(os.path.join(self.folder, "model.npz"))
        w = m[0].weight
        self.assertEqual(w.ctypes.data, m[0].weight.ctypes.data)  # the same buffer each time: no copy
        x = batch()
        before = m(x)
        w[:] = 0
        self.assertTrue(np.all(m[0].weight == 0))
        self.assertFalse(np.allclose(before, m(x)))
        m[0].bias = np.ones(6, np.float32)
        np.testing.assert_array_equal(m.state_dict()["0.bias"], np.ones(6))
        with self.assertRaisesRegex(ValueError, r"expected shape \(6\), got \(5\)"):
            m[0].bias = np.ones(5, np.float32)
        sd = m.state_dict()
        sd["0.weight"] += 1
        m.load_state_dict(sd)
        np.testing.assert_array_equal(m[0].weight, np.ones_like(w))
        self.assertEqual(m[-1].weight.shape, (10, 84))
        self.assertEqual(repr(m[1]), "ReLU()")
        with self.assertRaisesRegex(AttributeError, "layer 1 \\(ReLU.*has no weight"):
            m[1].weight
        with self.assertRaisesRegex(IndexError, "no layer 30"):
            m[30]

    def test_freeze(self):
        m = minicnn.Sequential("lenet5")
        m[0].freeze()
        self.assertTrue(m[0].frozen)
        m[0].unfreeze()
        self.assertFalse(m[0].frozen)

    def test_predict_as_the_tool_does(self):
        m = minicnn.load(self.folder)
        data = minicnn.datasets.mnist(MNIST)
        images = data.test.images[:50]
        classes, probs = m.predict(images)
        self.assertEqual(probs.shape, (50, 10))
        np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-5)
        z = m(m.prepare(images))  # the same inputs through m(x): the answers and softmax's probabilities
        np.testing.assert_array_equal(classes, z.argmax(axis=1))
        e = np.exp(z - z.max(axis=1, keepdims=True))
        np.testing.assert_allclose(probs, e / e.sum(axis=1, keepdims=True), rtol=1e-5, atol=1e-7)
        self.assertGreater(np.mean(classes == data.test.labels[:50]), 0.3)  # trained: above chance (0.1)
        classes3, _ = m.predict(images[:, 0])  # (N, H, W)
        np.testing.assert_array_equal(classes3, classes)

    def test_bad_input_is_refused_and_the_model_stays_usable(self):
        m = minicnn.load(self.folder)
        x = batch()
        y = m(x)
        with self.assertRaisesRegex(ValueError, "expected dtype float32, got float64"):
            m(x.astype(np.float64))
        with self.assertRaisesRegex(ValueError, r"expected input \(N, 1, 28, 28\).*got \(4, 3, 28, 28\)"):
            m(np.zeros((4, 3, 28, 28), np.float32))
        with self.assertRaisesRegex(ValueError, "expected a numpy array"):
            m([1, 2, 3])
        with self.assertRaisesRegex(OSError, "no-such-file.npz"):
            minicnn.load(os.path.join(TMP, "no-such-file.npz"))
        with self.assertRaisesRegex(ValueError, "spec item 2 'relux'"):
            minicnn.Sequential("conv 6 5, relux")
        with self.assertRaisesRegex(ValueError, "load_state_dict: missing '0.weight'"):
            m.load_state_dict({})
        with self.assertRaisesRegex(ValueError, "predict: expected dtype uint8"):
            m.predict(np.zeros((1, 28, 28), np.float32))
        np.testing.assert_array_equal(m(x), y)  # nothing above changed the model


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
