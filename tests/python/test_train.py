"""Data and training from Python: datasets as numpy views, minicnn.train against `minicnn train`
byte for byte (acceptance 1), callbacks, Ctrl-C, evaluate and save, and refused settings.
    PYTHONPATH=build/python python3 tests/python/test_train.py MINICNN SOURCE_DIR"""
import filecmp
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import unittest

import numpy as np

import minicnn

CLI, SOURCE = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="minicnn_py_train_")
MNIST = os.path.join(SOURCE, "data", "mnist")


class Data(unittest.TestCase):
    def test_mnist_views(self):
        data = minicnn.datasets.mnist(MNIST)
        images = data.train.images
        self.assertEqual(images.dtype, np.uint8)
        self.assertEqual(images.shape, (60000, 1, 28, 28))
        self.assertEqual(data.train.labels.shape, (60000,))
        self.assertEqual(data.test.images.shape, (10000, 1, 28, 28))
        self.assertEqual(data.classes, [str(i) for i in range(10)])
        self.assertEqual(images.ctypes.data, data.train.images.ctypes.data)  # a view, not a copy
        self.assertFalse(images.flags.owndata)
        # MNIST's first training image is a 5, its first test image a 7.
        self.assertEqual((data.train.labels[0], data.test.labels[0]), (5, 7))

    def test_shapes_and_errors(self):
        data = minicnn.datasets.shapes(train=40, test=8, size=32)
        self.assertEqual(data.train.images.shape, (40, 3, 32, 32))
        self.assertEqual(data.classes, ["circle", "square", "stripes", "triangle"])
        with self.assertRaises(OSError):
            minicnn.datasets.mnist(os.path.join(TMP, "nothing-here"))
        with self.assertRaisesRegex(ValueError, "image_size"):
            minicnn.datasets.image_folder(TMP, image_size="big")


class Train(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.data = minicnn.datasets.mnist(MNIST)

    def cli_and_python(self, threads):
        """The same run by the tool and by minicnn.train, in the same folder one after the other."""
        out = os.path.join(TMP, f"same{threads}")
        args = ["--limit", "2000", "--test-limit", "500", "--epochs", "2", "--threads", str(threads), "--out", out]
        subprocess.run([CLI, "train", "--data", MNIST] + args, check=True, stdout=subprocess.DEVNULL)
        shutil.move(out, out + ".cli")
        net = minicnn.Sequential("lenet5", input_shape=(1, 28, 28), classes=10, seed=1)
        history = minicnn.train(net, self.data, epochs=2, limit=2000, test_limit=500, threads=threads, out=out)
        return out, history, net

    def test_same_bytes_as_the_tool_on_1_and_2_threads(self):
        for threads in (1, 2):
            out, history, _ = self.cli_and_python(threads)
            for f in ["model.npz", "checkpoints/epoch_1.npz", "checkpoints/epoch_2.npz"]:
                self.assertTrue(filecmp.cmp(os.path.join(out, f), os.path.join(out + ".cli", f), shallow=False),
                                f"{f} differs with --threads {threads}")
            self.assertEqual(len(history), 2)
            self.assertEqual(list(history[0]), ["epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy",
                                                "seconds", "images_per_second", "lr"])
            with open(os.path.join(out + ".cli", "metrics.csv")) as f:
                rows = [line.split(",") for line in f.read().split()[1:]]
            for row, h in zip(rows, history):
                self.assertAlmostEqual(float(row[4]), h["test_accuracy"], places=5)

    def test_callbacks_evaluate_save(self):
        net = minicnn.Sequential("lenet5", seed=1)
        batches, epochs = [], []
        history = minicnn.train(net, self.data, epochs=1, limit=6000, threads=2, on_batch=batches.append, on_epoch=epochs.append)
        self.assertEqual(len(batches), 94)  # 6000 / 64 rounded up
        self.assertEqual(batches[-1]["batch"], 94)
        self.assertEqual(epochs, history)
        self.assertGreater(history[0]["test_accuracy"], 0.6)
        result = minicnn.evaluate(net, self.data.test)
        self.assertAlmostEqual(result["accuracy"], history[0]["test_accuracy"], places=6)
        self.assertEqual(result["confusion"].shape, (10, 10))
        self.assertEqual(result["confusion"].sum(), 10000)
        path = os.path.join(TMP, "new", "folder", "saved.npz")  # folders created, as train's out does
        minicnn.save(net, path)
        back = minicnn.load(path)
        x = np.random.default_rng(0).standard_normal((3, 1, 28, 28)).astype(np.float32)
        np.testing.assert_array_equal(back(x), net(x))
        ev = subprocess.run([CLI, "eval", path, "--data", MNIST, "--limit", "1000"], capture_output=True, text=True)
        self.assertEqual(ev.returncode, 0, ev.stderr)
        self.assertIn("accuracy", ev.stdout)

    def test_ctrl_c_stops_at_the_next_batch(self):
        net = minicnn.Sequential("lenet5", seed=1)
        batches, timers = [], []

        def on_batch(b):  # after batch 3, SIGINT arrives from another thread while C++ trains
            batches.append(b["batch"])
            if b["batch"] == 3:
                timers.append(threading.Timer(0.05, lambda: os.kill(os.getpid(), signal.SIGINT)))
                timers[0].start()

        with self.assertRaises(KeyboardInterrupt):
            minicnn.train(net, self.data, epochs=2, threads=1, on_batch=on_batch)
        timers[0].join()
        self.assertGreater(len(batches), 3)
        self.assertLess(len(batches), 938)  # stopped in the first epoch
        self.assertEqual(batches, list(range(1, len(batches) + 1)))
        y = net(np.zeros((2, 1, 28, 28), np.float32))
        self.assertTrue(np.all(np.isfinite(y)))

    def test_compare(self):
        out = os.path.join(TMP, "compare")
        r = minicnn.compare(self.data, variants="random,handset-frozen", epochs=1, seeds=2, limit=2000, test_limit=500,
                            threads=2, out=out)
        self.assertEqual(list(r["variants"]), ["random", "handset-frozen"])
        frozen = r["variants"]["handset-frozen"]
        self.assertAlmostEqual(frozen["cosine_to_start"][0], 1, places=5)  # frozen kernels did not move
        self.assertEqual(frozen["classical_fraction"], (1.0, 0.0))         # and are the bank's
        self.assertEqual(len(frozen["accuracy_per_seed"]), 2)
        self.assertAlmostEqual(frozen["accuracy"][0], np.mean(frozen["accuracy_per_seed"]), places=9)
        self.assertTrue(os.path.exists(os.path.join(out, "report.html")))
        self.assertTrue(any("handset-frozen" in f for f in r["findings"]))
        with self.assertRaisesRegex(ValueError, "variants: unknown variant 'nope'"):
            minicnn.compare(self.data, variants="nope", out=os.path.join(TMP, "compare2"))
        with self.assertRaisesRegex(ValueError, "already"):
            minicnn.compare(self.data, variants="random", epochs=1, seeds=1, limit=100, out=out)

    def test_bad_settings(self):
        net = minicnn.Sequential("lenet5", seed=1)
        before = net.state_dict()["0.weight"]
        cases = [({"epochs": -1}, "epochs: expected a whole number from 1 to 100000, got -1"),
                 ({"epochs": 1.5}, "epochs: expected a whole number"),
                 ({"lr": -0.1}, "lr: expected a number of at least 0"),
                 ({"optimizer": "sgdd"}, "optimizer: expected one of auto, sgd, adam, adamw, got 'sgdd'"),
                 ({"batch_sise": 3}, "unknown setting 'batch_sise'"),
                 ({"image_size": "32"}, "image_folder\\(path, image_size=...\\)"),
                 ({"nesterov": 1}, "nesterov: expected True or False")]
        for kwargs, message in cases:
            with self.assertRaisesRegex(ValueError, message):
                minicnn.train(net, self.data, **kwargs)
        with self.assertRaisesRegex(ValueError, r"the model takes inputs \(3, 32, 32\), the data's images are \(1, 28, 28\)"):
            minicnn.train(minicnn.Sequential("convnet-rgb", input_shape=(3, 32, 32)), self.data, epochs=1)
        np.testing.assert_array_equal(net.state_dict()["0.weight"], before)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
