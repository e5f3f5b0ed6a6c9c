"""minicnn.filters, minicnn.explain and minicnn.vision from Python: numpy arrays of the right shapes
and values, computed another way where one exists.
    PYTHONPATH=build/python python3 tests/python/test_vision.py MINICNN SOURCE_DIR"""
import os
import sys
import unittest

import numpy as np

import minicnn

CLI, SOURCE = sys.argv[1], sys.argv[2]
MNIST = os.path.join(SOURCE, "data", "mnist")


def conv_by_hand(image, kernel, padding):
    """The cross-correlation, in plain loops."""
    p = np.pad(image, padding)
    kh, kw = kernel.shape
    out = np.zeros((p.shape[0] - kh + 1, p.shape[1] - kw + 1), np.float64)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (p[i:i + kh, j:j + kw] * kernel).sum()
    return out


class Filters(unittest.TestCase):
    def test_bank(self):
        bank = minicnn.filters.bank()
        np.testing.assert_array_equal(bank["sobel_x"], [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
        self.assertIn("laplacian8", bank)
        self.assertIn("high-pass", minicnn.filters.describe("laplacian8"))

    def test_apply_is_the_cross_correlation(self):
        image = np.random.default_rng(1).random((9, 11), dtype=np.float32)
        kernels = np.random.default_rng(2).standard_normal((2, 3, 5)).astype(np.float32)
        out = minicnn.filters.apply(image, kernels, padding=1)
        self.assertEqual(out.shape, (2, 9, 9))
        for k in range(2):
            np.testing.assert_allclose(out[k], conv_by_hand(image, kernels[k], 1), atol=1e-5)
        self.assertEqual(minicnn.filters.apply(image, kernels[0], padding=0, stride=2).shape, (1, 4, 4))
        with self.assertRaisesRegex(ValueError, r"image: expected a grey picture \(H, W\)"):
            minicnn.filters.apply(np.zeros((1, 9, 9), np.float32), kernels)
        with self.assertRaisesRegex(ValueError, "kernels: expected dtype float32"):
            minicnn.filters.apply(image, kernels.astype(np.float64))


class Explain(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.data = minicnn.datasets.mnist(MNIST)
        cls.net = minicnn.Sequential("lenet5", seed=1)
        minicnn.train(cls.net, cls.data, epochs=1, limit=3000, test_limit=300, threads=2)
        cls.x = cls.net.prepare(cls.data.test.images[:1])

    def test_maps(self):
        sal = minicnn.explain.saliency(self.net, self.x)
        self.assertEqual(sal.shape, (28, 28))
        self.assertTrue(np.all(sal >= 0) and sal.max() > 0)
        self.assertEqual(minicnn.explain.gradcam(self.net, self.x[0]).shape, (5, 5))
        self.assertEqual(minicnn.explain.gradcam(self.net, self.x, cls=3, layer="1").shape, (28, 28))
        self.assertEqual(minicnn.explain.occlusion(self.net, self.x).shape, (28, 28))
        with self.assertRaisesRegex(ValueError, "cls: expected a class from 0 to 9, got 12"):
            minicnn.explain.saliency(self.net, self.x, cls=12)

    def test_top_activations_and_synthesis(self):
        top = minicnn.explain.top_activations(self.net, self.data.test, "1", k=4)
        self.assertEqual(top["images"].shape, (6, 4))
        norm = self.net.normalization
        image = self.data.test.images[top["images"][0, 0]].astype(np.float32) / 255
        x = ((image - norm["mean"][0]) / norm["std"][0]).astype(np.float32)  # as the dataset is read, not prepared
        maps = minicnn.vision.feature_maps(self.net, x, "1")
        self.assertAlmostEqual(float(maps[0].max()), float(top["activations"][0, 0]), places=4)
        synth = minicnn.explain.synthesize(self.net, "1", [0, 1], steps=8)
        self.assertEqual(synth.shape, (2, 1, 28, 28))

    def test_vision(self):
        grid = minicnn.vision.kernel_grid(self.net, "0")
        self.assertEqual((grid.ndim, grid.shape[2], grid.dtype), (3, 3, np.uint8))
        maps = minicnn.vision.feature_maps(self.net, self.x, "0")
        w, b = self.net[0].weight, self.net[0].bias
        by_hand = conv_by_hand(self.x[0, 0], w[2, 0], 2) + b[2]
        np.testing.assert_allclose(maps[2], by_hand, atol=1e-4)
        with self.assertRaisesRegex(ValueError, "no top-level layer 40"):
            minicnn.vision.feature_maps(self.net, self.x, "40")


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
