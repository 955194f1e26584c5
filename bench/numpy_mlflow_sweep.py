"""What people write today for a λ × α sweep: the same full-batch backpropagation as
`nnlab sweep` in a NumPy loop (bench/numpy_reference.py's), one run after another, each
epoch's cost, train error and validation error logged with MLflow's `log_metrics` to MLflow's
SQLite store. NumPy keeps its default threads (its BLAS may use every core), as such a script
does.

    python bench/numpy_mlflow_sweep.py DATA.csv WEIGHTS.json SPLIT.json EPOCHS TRACKING.sqlite

DATA.csv: a header row, the features, then the class label. WEIGHTS.json: {"theta": [Θ1, Θ2]},
every run's initial weights. SPLIT.json: {"training": [rows], "validation": [rows]}. The grid is
λ ∈ {0, 0.1, 1, 10} × α ∈ {0.1, 0.3, 1, 3}. Epochs 0…E are evaluated and logged, E steps taken.
Prints one line per run: λ, α and the final cost J(Θ_E).
"""
import json
import logging
import sys

import mlflow
import numpy as np

from numpy_reference import cross_entropy, forward, regularized, step

LAMBDAS = [0, 0.1, 1, 10]
RATES = [0.1, 0.3, 1, 3]


def train(train_x, y, valid_x, valid_y, thetas, lam, alpha, epochs):
    m = train_x.shape[0]
    thetas = [t.copy() for t in thetas]
    first = np.hstack([np.ones((m, 1)), train_x])
    valid_first = np.hstack([np.ones((valid_x.shape[0], 1)), valid_x])
    for epoch in range(epochs + 1):
        activations, h = forward(first, thetas)
        train_error = cross_entropy(h, y)
        cost = regularized(train_error, thetas, lam, m)
        _, valid_h = forward(valid_first, thetas)
        mlflow.log_metrics({"cost": float(cost), "train_error": float(train_error),
                            "validation_error": float(cross_entropy(valid_h, valid_y))}, step=epoch)
        if epoch == epochs:
            return cost
        step(activations, h, y, thetas, lam, alpha)


def main():
    data, weights, split, epochs, tracking = sys.argv[1:6]
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    mlflow.set_tracking_uri("sqlite:///" + tracking)
    table = np.loadtxt(data, delimiter=",", skiprows=1)
    x, labels = table[:, :-1], table[:, -1]
    classes = np.unique(labels)
    label_index = np.searchsorted(classes, labels)
    with open(weights) as file:
        thetas = [np.array(t, dtype=float) for t in json.load(file)["theta"]]
    with open(split) as file:
        rows = json.load(file)
    train_rows, valid_rows = np.array(rows["training"]), np.array(rows["validation"])
    one_hot = (label_index[:, None] == np.arange(len(classes))[None, :]).astype(float)
    for lam in LAMBDAS:
        for alpha in RATES:
            with mlflow.start_run():
                mlflow.log_params({"lambda": lam, "learning_rate": alpha, "layers": "400-25-10"})
                cost = train(x[train_rows], one_hot[train_rows], x[valid_rows], one_hot[valid_rows],
                             thetas, lam, alpha, int(epochs))
            print(lam, alpha, repr(float(cost)), flush=True)


if __name__ == "__main__":
    main()
