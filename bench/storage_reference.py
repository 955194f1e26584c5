"""The peer of nnlab's write path: the same rows through Python's sqlite3, same schema,
same settings (WAL, synchronous=NORMAL), one transaction per epoch.

    python3 bench/storage_reference.py epochs EPOCHS REPETITIONS
    python3 bench/storage_reference.py layers ROWS REPETITIONS

Prints one line per repetition: the seconds it took.
"""
import array
import os
import sqlite3
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = open(os.path.join(HERE, "..", "migrations", "0001_initial.sql")).read()


def database(folder):
    connection = sqlite3.connect(os.path.join(folder, "runs.sqlite"), isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute("PRAGMA foreign_keys = ON")
    connection.executescript(SCHEMA)
    connection.execute(
        "INSERT INTO runs (layers, activation, cost_function, learning_rate, lambda, epochs, seed,"
        " validation_fraction, snapshot_every, dataset_name, dataset_sha256, created_at, nnlab_version,"
        " status) VALUES ('400-25-10', 'sigmoid', 'cross-entropy', 0.3, 1, 1000, 1, 0.2, 1, 'glyphs',"
        " ?, '2026-01-01T00:00:00.000Z', 'bench', 'running')", ("0" * 64,))
    return connection


def epochs(count):
    with tempfile.TemporaryDirectory() as folder:
        connection = database(folder)
        theta1 = [i * 1e-4 for i in range(25 * 401)]
        theta2 = [-i * 1e-3 for i in range(10 * 26)]
        start = time.perf_counter()
        for epoch in range(count):
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(
                "INSERT INTO epochs (run_id, epoch, cost, train_error, validation_error, train_accuracy,"
                " validation_accuracy, gradient_norm, seconds) VALUES (1, ?, 0.5, 0.49, 0.6, 0.9, 0.85, 0.2, 0.01)",
                (epoch,))
            for layer in (1, 2):
                connection.execute(
                    "INSERT INTO layer_epochs (run_id, epoch, layer, gradient_norm, weight_norm, update_ratio,"
                    " saturation) VALUES (1, ?, ?, 0.1, 2.0, 0.001, 0.05)", (epoch, layer))
            for layer, rows, cols, values in ((1, 25, 401, theta1), (2, 10, 26, theta2)):
                connection.execute(
                    "INSERT INTO weight_snapshots (run_id, epoch, layer, rows, cols, data) VALUES (1, ?, ?, ?, ?, ?)",
                    (epoch, layer, rows, cols, array.array("d", values).tobytes()))
            connection.execute(
                "UPDATE runs SET last_epoch = ?, final_cost = 0.5, final_train_error = 0.49,"
                " final_validation_error = 0.6, final_train_accuracy = 0.9, final_validation_accuracy = 0.85,"
                " heartbeat_at = '2026-01-01T00:00:00.000Z' WHERE id = 1", (epoch,))
            connection.execute("COMMIT")
        return time.perf_counter() - start


def layers(count):
    with tempfile.TemporaryDirectory() as folder:
        connection = database(folder)
        per_epoch = 100
        start = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(
            "INSERT INTO epochs (run_id, epoch, cost, train_error, gradient_norm, seconds) VALUES (1, ?, 0.5, 0.49, 0.2, 0.01)",
            ((epoch,) for epoch in range(count // per_epoch)))
        connection.executemany(
            "INSERT INTO layer_epochs (run_id, epoch, layer, gradient_norm, weight_norm, update_ratio, saturation)"
            " VALUES (1, ?, ?, 0.1, 2.0, 0.001, 0.05)",
            ((k // per_epoch, k % per_epoch + 1) for k in range(count)))
        connection.execute("COMMIT")
        return time.perf_counter() - start


if __name__ == "__main__":
    kind, count, repetitions = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    for _ in range(repetitions):
        print(epochs(count) if kind == "epochs" else layers(count), flush=True)
