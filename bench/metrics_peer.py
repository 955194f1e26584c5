"""Metric values recorded per second by the peers, each epoch's values written as nnlab writes
them (15: the epoch's 7 figures and 4 for each of 2 layers), one call or transaction per epoch:

    python3 bench/metrics_peer.py mlflow|sqlite3 EPOCHS FOLDER

mlflow: MLflow's tracking API on its SQLite store, `log_metrics` once per epoch.
sqlite3: Python's sqlite3 inserting the same rows, one transaction per epoch (WAL,
synchronous = NORMAL): the floor a SQLite store can reach from Python.
Prints the values recorded per second.
"""
import os
import sqlite3
import sys
import time

NAMES = ["cost", "train_error", "validation_error", "train_accuracy", "validation_accuracy",
         "gradient_norm", "seconds"] + [f"{figure}_{layer}" for layer in (1, 2) for figure in
                                         ("gradient_norm", "weight_norm", "update_ratio", "saturation")]


def values(epoch):
    return [1.0 / (epoch + 1) + index * 1e-3 for index in range(len(NAMES))]


def mlflow_rate(epochs, folder):
    import logging
    import mlflow
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    mlflow.set_tracking_uri("sqlite:///" + os.path.join(folder, "mlflow.sqlite"))
    with mlflow.start_run():
        mlflow.log_metrics(dict(zip(NAMES, values(0))), step=0)  # the store is set up
        start = time.perf_counter()
        for epoch in range(1, epochs + 1):
            mlflow.log_metrics(dict(zip(NAMES, values(epoch))), step=epoch)
        return epochs * len(NAMES) / (time.perf_counter() - start)


def sqlite3_rate(epochs, folder):
    connection = sqlite3.connect(os.path.join(folder, "floor.sqlite"), isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute("CREATE TABLE epochs (run_id INTEGER, epoch INTEGER, cost REAL, train_error REAL,"
                       " validation_error REAL, train_accuracy REAL, validation_accuracy REAL,"
                       " gradient_norm REAL, seconds REAL, PRIMARY KEY (run_id, epoch)) WITHOUT ROWID")
    connection.execute("CREATE TABLE layer_epochs (run_id INTEGER, epoch INTEGER, layer INTEGER,"
                       " gradient_norm REAL, weight_norm REAL, update_ratio REAL, saturation REAL,"
                       " PRIMARY KEY (run_id, epoch, layer)) WITHOUT ROWID")
    start = time.perf_counter()
    for epoch in range(epochs):
        v = values(epoch)
        connection.execute("BEGIN")
        connection.execute("INSERT INTO epochs VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)", [epoch] + v[:7])
        connection.executemany("INSERT INTO layer_epochs VALUES (1, ?, ?, ?, ?, ?, ?)",
                               [[epoch, 1] + v[7:11], [epoch, 2] + v[11:15]])
        connection.execute("COMMIT")
    return epochs * len(NAMES) / (time.perf_counter() - start)


if __name__ == "__main__":
    kind, epochs, folder = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    print(f"{(mlflow_rate if kind == 'mlflow' else sqlite3_rate)(epochs, folder):.1f}")
