"""End to end, the comparison users face: a 4 × 4 sweep (λ ∈ {0, 0.1, 1, 10} × α ∈ {0.1, 0.3,
1, 3}) of 400-25-10 × 100 epochs on one CSV (m = 5000, 400 features), timed whole, side by side,
alternately, medians of the repetitions (3 unless given):

- `nnlab sweep --workers 2` with full tracking (every epoch recorded, the weights snapshotted);
- bench/numpy_mlflow_sweep.py: the NumPy loop logging each epoch to MLflow's SQLite store, one
  run after another, from the same initial weights (nnlab's, exported from its first sweep) on
  the same training and validation rows (nnlab's split, drawn here as nnlab draws it).

Both start from the command line and read the CSV. The final cost of every run must agree.

    bash bench/sweep.sh [repetitions]
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

NNLAB = os.environ.get("NNLAB", ".build/release/nnlab")
REPETITIONS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
EPOCHS = 100
EXAMPLES = 5000
VALIDATION = 0.2
SEED = 1
MASK = (1 << 64) - 1


def seeded_permutation(count, seed):
    """SeededGenerator(seed).permutation(of: count): xoshiro256** seeded through SplitMix64,
    Fisher–Yates from the last place down (Sources/Backprop/SeededGenerator.swift)."""
    state, split_mix = [], seed
    for _ in range(4):
        split_mix = (split_mix + 0x9E3779B97F4A7C15) & MASK
        z = split_mix
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        state.append(z ^ (z >> 31))

    def rotate(x, k):
        return ((x << k) | (x >> (64 - k))) & MASK

    def next_bits():
        s0, s1, s2, s3 = state
        result = (rotate((s1 * 5) & MASK, 7) * 9) & MASK
        t = (s1 << 17) & MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        state[:] = [s0, s1, s2, rotate(s3, 45)]
        return result

    order = list(range(count))
    for i in range(count - 1, 0, -1):
        j = next_bits() % (i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def nnlab_sweep(folder, data, repetition):
    """Seconds of the whole sweep, and its database."""
    database = os.path.join(folder, f"nnlab-{repetition}.sqlite")
    start = time.perf_counter()
    subprocess.run([NNLAB, "sweep", "--data", data, "--label", "label", "--layers", "400-25-10",
                    "--lambda", "0,0.1,1,10", "--lr", "0.1,0.3,1,3", "--epochs", str(EPOCHS),
                    "--validation", str(VALIDATION), "--seed", str(SEED), "--scale", "none",
                    "--gradcheck-every", "0", "--workers", "2", "--db", database, "--quiet"],
                   check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start, database


def numpy_mlflow_sweep(folder, data, weights, split, repetition):
    """Seconds of the whole script, and its final cost per (λ, α)."""
    tracking = os.path.join(folder, f"mlflow-{repetition}.sqlite")
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "bench/numpy_mlflow_sweep.py", data, weights, split, str(EPOCHS),
                          tracking], check=True, capture_output=True, text=True).stdout
    seconds = time.perf_counter() - start
    costs = {}
    for line in out.splitlines():
        lam, alpha, cost = line.split()
        costs[(float(lam), float(alpha))] = float(cost)
    return seconds, costs


def main():
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as folder:
        data = os.path.join(folder, "400-25-10.csv")
        x, labels = rng.random((EXAMPLES, 400)), rng.integers(0, 10, EXAMPLES)
        np.savetxt(data, np.hstack([x, labels[:, None]]), delimiter=",", comments="", fmt="%.17g",
                   header=",".join([f"x{i}" for i in range(400)] + ["label"]))
        order = seeded_permutation(EXAMPLES, SEED ^ 0x5EED5B17)
        held = round(EXAMPLES * VALIDATION)
        split = os.path.join(folder, "split.json")
        with open(split, "w") as file:
            json.dump({"training": order[held:], "validation": order[:held]}, file)
        weights = os.path.join(folder, "weights.json")
        nnlab_times, peer_times = [], []
        for repetition in range(REPETITIONS):
            seconds, database = nnlab_sweep(folder, data, repetition)
            nnlab_times.append(seconds)
            if repetition == 0:
                subprocess.run([NNLAB, "export", "weights", "--run", "1", "--epoch", "0", "--db", database,
                                "--output", weights], check=True)
                runs = json.loads(subprocess.run([NNLAB, "export", "runs", "--format", "json", "--db", database],
                                                 check=True, capture_output=True, text=True).stdout)
                nnlab_costs = {(run["lambda"], run["learning_rate"]): run["final_cost"] for run in runs}
            seconds, peer_costs = numpy_mlflow_sweep(folder, data, weights, split, repetition)
            peer_times.append(seconds)
    worst = max(abs(nnlab_costs[key] - peer_costs[key]) / abs(peer_costs[key]) for key in peer_costs)
    nnlab_time, peer_time = statistics.median(nnlab_times), statistics.median(peer_times)
    print(f"4 × 4 sweep of 400-25-10 × {EPOCHS} epochs, m = {EXAMPLES} from a CSV, wall time, median of {REPETITIONS}")
    print(f"  nnlab sweep --workers 2, full tracking   {nnlab_time:6.1f} s")
    print(f"  NumPy + MLflow, one run after another    {peer_time:6.1f} s   nnlab is {peer_time / nnlab_time:.1f} × faster")
    print(f"  final costs of the 16 runs: largest relative difference {worst:.1e}"
          f" ({'agree' if worst <= 1e-9 and len(peer_costs) == 16 else 'DISAGREE'})")
    for key in sorted(peer_costs):
        print(f"    λ = {key[0]:<4} α = {key[1]:<4} nnlab {nnlab_costs[key]!r:<22} NumPy {peer_costs[key]!r}")


if __name__ == "__main__":
    main()
