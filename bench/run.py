"""nnlab against its peers, measured side by side in one run on this machine; every figure is
the median of the repetitions (5 unless given). Called by bench/run.sh after a release build.

1. Seconds per epoch, nnlab with full tracking (every epoch recorded, weights snapshotted) vs
   bench/numpy_reference.py, both pinned to one core (nnlab's writer thread shares it), on the
   same data file and the same initial weights: 400-25-10 at m = 5000, 64-25-10 on
   ../shared/data/digits.csv, 784-128-10 at m = 10000. An epoch is (T(E2) − T(E1)) / (E2 − E1)
   for both: of whole `nnlab train` commands (starting and loading cancel out), and of the
   NumPy loop. Both must reach the same final cost.
   And the matrix products of a 400-25-10 epoch against one core's float64 peak, both measured by
   nnlab-bench, pinned to the same core.
2. Tracking overhead: an epoch with every epoch recorded (snapshots included) against the same
   run with recording off (nnlab-training-bench), on one core and on two.
3. Metric values recorded per second, each epoch's 15 one transaction: nnlab's write path
   (nnlab-storage-bench metrics) vs MLflow's SQLite store and Python's sqlite3
   (bench/metrics_peer.py).
4. Sweep throughput: three 4 × 4 sweeps, each with 1 and with 2 worker processes: short runs
   on a CSV each process parses, and longer runs on the built-in glyphs with a weight snapshot
   every epoch and every 10th.
5. Peak memory (RSS) of each process.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

BUILD = os.environ.get("NNLAB_BUILD", ".build/release")
NNLAB = os.path.join(BUILD, "nnlab")
# Both peers pinned to one core: nnlab's writer thread shares it with the training loop.
ONE_CORE = ["taskset", "-c", "0"]
REPETITIONS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
DIGITS = os.path.join("..", "shared", "data", "digits.csv")


def timed(command, folder):
    """Runs `command`; returns (wall seconds, peak RSS in MB, stdout)."""
    rss = os.path.join(folder, "rss")
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss] + command, check=True,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    wall = time.perf_counter() - start
    with open(rss) as file:
        return wall, int(file.read().split()[-1]) / 1024, done.stdout


def write_problem(folder, name, x, labels, layers):
    """The data file and initial weights both implementations read."""
    data = os.path.join(folder, f"{name}.csv")
    header = ",".join([f"x{i}" for i in range(x.shape[1])] + ["label"])
    np.savetxt(data, np.hstack([x, labels[:, None]]), delimiter=",", header=header, comments="",
               fmt="%.17g")
    rng = np.random.default_rng(7)
    thetas = []
    for inputs, outputs in zip(layers, layers[1:]):
        epsilon = np.sqrt(6) / np.sqrt(inputs + outputs)
        thetas.append(rng.uniform(-epsilon, epsilon, (outputs, inputs + 1)).tolist())
    weights = os.path.join(folder, f"{name}.json")
    with open(weights, "w") as file:
        json.dump({"theta": thetas}, file)
    return data, weights


def nnlab_train(folder, data, weights, layers, epochs, extra=()):
    database = os.path.join(folder, f"run-{time.monotonic_ns()}.sqlite")
    wall, rss, out = timed([*ONE_CORE, NNLAB, "train", "--data", data, "--label", "label", "--layers", layers,
                            "--init-weights", weights, "--lambda", "1", "--lr", "1", "--epochs",
                            str(epochs), "--validation", "0", "--scale", "none",
                            "--gradcheck-every", "0", "--db", database, "--quiet", "--json",
                            *extra], folder)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(database + suffix):
            os.remove(database + suffix)
    return wall, rss, json.loads(out)


def epoch_times(folder, name, x, labels, layers, small, large):
    slug = "-".join(map(str, layers))
    data, weights = write_problem(folder, slug, x, labels, layers)
    architecture = "-".join(map(str, layers))
    nnlab, rss, cost = [], 0.0, None
    for _ in range(REPETITIONS):
        short, _, _ = nnlab_train(folder, data, weights, architecture, small)
        long, peak, summary = nnlab_train(folder, data, weights, architecture, large)
        nnlab.append((long - short) / (large - small))
        rss, cost = max(rss, peak), summary["cost"]
    def numpy_run(epochs):
        _, peak, out = timed([*ONE_CORE, sys.executable, "bench/numpy_reference.py", data, weights, "1",
                              "1", str(epochs), str(REPETITIONS)], folder)
        rows = [line.split() for line in out.splitlines()]
        return statistics.median(float(row[0]) for row in rows), peak, float(rows[-1][1])
    numpy_short, _, _ = numpy_run(small)
    numpy_long, numpy_rss, numpy_cost = numpy_run(large)
    numpy_epoch = (numpy_long - numpy_short) / (large - small)
    return {"name": name, "nnlab": statistics.median(nnlab), "numpy": numpy_epoch,
            "same": abs(cost - numpy_cost) <= 1e-9 * abs(numpy_cost),
            "cost": (cost, numpy_cost), "rss": (rss, numpy_rss)}


def overheads(folder):
    """Tracking overhead from nnlab-training-bench: every epoch recorded vs recording off, on one
    core and on two (where the writer thread has a core of its own)."""
    rows = []
    digits = os.path.join(folder, "64-25-10.csv")
    for name, arguments in (("400-25-10, glyphs (m = 5000)", ["100", "3"]),
                            ("64-25-10, digits (m = 1797)", ["1000", "3", digits, "label"])):
        if len(arguments) > 2 and not os.path.exists(digits):
            continue
        shares = []
        for pinning in (ONE_CORE, []):
            out = subprocess.run([*pinning, os.path.join(BUILD, "nnlab-training-bench"), *arguments], check=True,
                                 capture_output=True, text=True).stdout
            shares.append(float(out.rsplit(":", 1)[1].strip().rstrip("%")))
        rows.append((name, *shares))
    return rows


def products_share():
    """GFLOP/s of a 400-25-10 epoch's five products and one core's measured peak (nnlab-bench)."""
    out = subprocess.run([*ONE_CORE, os.path.join(BUILD, "nnlab-bench"), str(REPETITIONS)], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    line = next(line for line in out.splitlines() if "products" in line)
    rate, peak = (float(part.split(" GFLOP/s")[0].split()[-1]) for part in (line.split(" = ")[0], line.split("peak, ")[1]))
    return rate, peak


def metric_rates(folder):
    out = subprocess.run([os.path.join(BUILD, "nnlab-storage-bench"), str(REPETITIONS), "metrics"], check=True,
                         capture_output=True, text=True).stdout
    single, grouped = (float(line.split(":")[-1]) for line in out.splitlines()[:2])
    peers = {}
    for kind, epochs in (("mlflow", 300), ("sqlite3", 5000)):
        runs = []
        for _ in range(REPETITIONS if kind == "sqlite3" else 3):
            with tempfile.TemporaryDirectory() as scratch:
                try:
                    out = subprocess.run([sys.executable, "bench/metrics_peer.py", kind, str(epochs), scratch],
                                         check=True, capture_output=True, text=True).stdout
                    runs.append(float(out))
                except (subprocess.CalledProcessError, ValueError):
                    break
        peers[kind] = statistics.median(runs) if runs else None
    return (single, grouped), peers


def sweep_times(folder, name, arguments):
    """Wall time of the same 4 × 4 sweep with 1 and 2 workers, medians of 3, and the largest RSS."""
    results = {}
    for workers in (1, 2):
        walls, peak = [], 0.0
        for repetition in range(3):
            database = os.path.join(folder, f"sweep-{name}-{workers}-{repetition}.sqlite")
            wall, rss, _ = timed([NNLAB, "sweep", *arguments, "--lambda", "0,0.1,1,10", "--lr", "0.1,0.3,1,3",
                                  "--gradcheck-every", "0", "--workers", str(workers), "--db", database,
                                  "--quiet"], folder)
            walls.append(wall)
            peak = max(peak, rss)
        results[workers] = (statistics.median(walls), peak)
    return results


def main():
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as folder:
        problems = [("400-25-10, m = 5000", rng.random((5000, 400)), rng.integers(0, 10, 5000), [400, 25, 10], 5, 45)]
        if os.path.exists(DIGITS):
            table = np.loadtxt(DIGITS, delimiter=",", skiprows=1)
            problems.append(("64-25-10, digits (m = 1797)", table[:, :-1] / 16, table[:, -1], [64, 25, 10], 20, 420))
        else:
            print(f"({DIGITS} is absent: the digits rows are left out)")
        problems.append(("784-128-10, m = 10000", rng.random((10000, 784)), rng.integers(0, 10, 10000), [784, 128, 10], 2, 12))
        epochs = [epoch_times(folder, *problem) for problem in problems]
        products = products_share()
        tracking = overheads(folder)
        rate, peers = metric_rates(folder)
        # Short runs on a CSV every process parses (0.4 s each, in the parent before any worker):
        # what start-up costs. Then longer runs on built-in data: what training scales to, with
        # a weight snapshot every epoch (the default) and every 10th, where the writer thread,
        # which has the second core to itself with one worker, does a tenth of the writing.
        sweeps = [
            ("16 runs of 400-25-10 × 30 epochs on the 40 MB CSV",
             sweep_times(folder, "csv", ["--data", os.path.join(folder, "400-25-10.csv"), "--label", "label",
                                         "--layers", "400-25-10", "--epochs", "30", "--validation", "0",
                                         "--scale", "none", "--snapshot-every", "10"])),
            ("16 runs of 400-25-10 × 100 epochs on glyphs",
             sweep_times(folder, "glyphs", ["--epochs", "100"])),
            ("the same, snapshots every 10 epochs",
             sweep_times(folder, "glyphs-10", ["--epochs", "100", "--snapshot-every", "10"])),
        ]

    print(f"nnlab benchmarks, medians of {REPETITIONS} (float64)\n")
    print(f"{'epoch, full tracking, one core':32} {'nnlab':>10} {'NumPy':>10} {'nnlab/NumPy':>12} {'same cost':>10}")
    for row in epochs:
        print(f"{row['name']:32} {row['nnlab'] * 1e3:8.2f}ms {row['numpy'] * 1e3:8.2f}ms"
              f" {row['nnlab'] / row['numpy']:12.2f} {'yes' if row['same'] else 'NO':>10}")
    print("PyTorch: not measured (its CPU wheels come from download.pytorch.org, which this machine cannot reach)")
    product_rate, peak = products
    print(f"\nthe matrix products of a 400-25-10 epoch: {product_rate:.0f} GFLOP/s = {100 * product_rate / peak:.0f} % of one core's"
          f" float64 peak ({peak:.0f} GFLOP/s, fused multiply-adds measured in the same run)")
    print(f"\n{'tracking overhead (every epoch recorded vs recording off)':60} {'one core':>9} {'two cores':>10}")
    for name, one_core, two_cores in tracking:
        print(f"  {name:58} {one_core:8.1f} % {two_cores:8.1f} %")
    single, grouped = rate
    print(f"\n{'metric values recorded per second (15 an epoch)':56} {'values/s':>12} {'nnlab ×':>10}")
    print(f"  {'nnlab, each epoch one transaction':54} {single:12.0f}")
    print(f"  {'nnlab, 128 epochs a transaction (a writer behind)':54} {grouped:12.0f}")
    for kind, name in (("mlflow", "MLflow SQLite store, log_metrics per epoch"), ("sqlite3", "Python sqlite3, one transaction per epoch")):
        value = peers.get(kind)
        print(f"  {name:54} " + (f"{value:12.0f} {single / value:10.1f}" if value else "   not installed"))
    print("\nsweep wall time, medians of 3                      1 worker  2 workers   speed-up")
    for name, times in sweeps:
        one, two = times[1][0], times[2][0]
        print(f"  {name:50} {one:6.1f} s {two:8.1f} s {one / two:9.2f} ×")
    print("\npeak memory (RSS)")
    for row in epochs:
        print(f"  {row['name']:32} nnlab train {row['rss'][0]:7.1f} MB   NumPy {row['rss'][1]:7.1f} MB")
    largest = max(rss for _, times in sweeps for _, rss in times.values())
    print(f"  {'sweep':32} nnlab sweep {largest:7.1f} MB (the largest process)")


if __name__ == "__main__":
    main()
