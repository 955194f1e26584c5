"""A 4 × 4 sweep (λ × α) of 400-25-10 × 100 epochs on glyphs (m = 5000), timed side by side:
nnlab with 1 and with 2 worker processes, and the same sweep as the usual sequential NumPy
loop (full-batch descent with the same shapes, one thread).

    bash bench/sweep.sh
"""
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

LAMBDAS = [0, 0.1, 1, 10]
RATES = [0.1, 0.3, 1, 3]
EPOCHS = 100


def nnlab(workers, folder):
    start = time.perf_counter()
    subprocess.run(
        [".build/release/nnlab", "sweep", "--lambda", ",".join(map(str, LAMBDAS)), "--lr", ",".join(map(str, RATES)),
         "--epochs", str(EPOCHS), "--gradcheck-every", "0", "--workers", str(workers),
         "--db", os.path.join(folder, f"{workers}.sqlite"), "--quiet"],
        check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def numpy_sweep():
    rng = np.random.default_rng(1)
    x = rng.random((5000, 400))
    y = np.eye(10)[rng.integers(0, 10, 5000)]
    train, held = slice(0, 4000), slice(4000, 5000)
    start = time.perf_counter()
    for lam in LAMBDAS:
        for alpha in RATES:
            e1, e2 = np.sqrt(6) / np.sqrt(425), np.sqrt(6) / np.sqrt(35)
            t1 = rng.uniform(-e1, e1, (25, 401))
            t2 = rng.uniform(-e2, e2, (10, 26))
            m = 4000
            for _ in range(EPOCHS + 1):
                a1 = np.hstack([np.ones((m, 1)), x[train]])
                a2 = np.hstack([np.ones((m, 1)), sigmoid(a1 @ t1.T)])
                h = sigmoid(a2 @ t2.T)
                yt = y[train]
                cost = -np.sum(yt * np.log(h) + (1 - yt) * np.log(1 - h)) / m
                cost += lam / (2 * m) * (np.sum(t1[:, 1:] ** 2) + np.sum(t2[:, 1:] ** 2))
                d3 = h - yt
                d2 = (d3 @ t2)[:, 1:] * a2[:, 1:] * (1 - a2[:, 1:])
                g1 = d2.T @ a1 / m
                g2 = d3.T @ a2 / m
                g1[:, 1:] += lam / m * t1[:, 1:]
                g2[:, 1:] += lam / m * t2[:, 1:]
                v = sigmoid(np.hstack([np.ones((1000, 1)), sigmoid(np.hstack([np.ones((1000, 1)), x[held]]) @ t1.T)]) @ t2.T)
                t1 -= alpha * g1
                t2 -= alpha * g2
    return time.perf_counter() - start


if __name__ == "__main__":
    try:
        from threadpoolctl import threadpool_limits
        limit = threadpool_limits(1)
    except ImportError:
        print("(threadpoolctl is not installed: NumPy may use both cores)", file=sys.stderr)
    with tempfile.TemporaryDirectory() as folder:
        one = nnlab(1, folder)
        two = nnlab(2, folder)
    peer = numpy_sweep()
    print(f"4 × 4 sweep of 400-25-10 × {EPOCHS} epochs on glyphs (m = 5000), wall time")
    print(f"  nnlab, 1 worker     {one:7.1f} s")
    print(f"  nnlab, 2 workers    {two:7.1f} s   speed-up {one / two:.2f} ×")
    print(f"  NumPy loop (1 thread) {peer:5.1f} s   nnlab 1 worker / NumPy time {one / peer:.2f}")
