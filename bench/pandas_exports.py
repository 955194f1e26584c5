"""Reads every `nnlab export` with pandas.read_csv (default settings) and checks each value
against the database read by Python's sqlite3: exact equality, NULL as NaN.

    python3 bench/pandas_exports.py .build/release/nnlab DATABASE [RUN]
"""

import io
import math
import sqlite3
import subprocess
import sys

import numpy
import pandas

nnlab, database = sys.argv[1], sys.argv[2]
run = sys.argv[3] if len(sys.argv) > 3 else "1"
connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)

# Each export, and the query giving its rows in the same order.
exports = {
    ("runs",): "SELECT id, lambda, learning_rate, final_cost, final_train_error,"
    " final_validation_error, final_validation_accuracy, best_validation_error FROM runs ORDER BY id",
    ("epochs", "--run", run): "SELECT run_id, epoch, cost, train_error, validation_error,"
    " train_accuracy, validation_accuracy, gradient_norm, seconds FROM epochs"
    f" WHERE run_id = {int(run)} ORDER BY epoch",
    ("layers", "--run", run): "SELECT run_id, epoch, layer, gradient_norm, weight_norm,"
    f" update_ratio, saturation FROM layer_epochs WHERE run_id = {int(run)} ORDER BY epoch, layer",
}
columns = {
    "runs": ["run_id", "lambda", "learning_rate", "final_cost", "final_train_error",
             "final_validation_error", "final_validation_accuracy", "best_validation_error"],
}

checked = mismatched = 0
for command, query in exports.items():
    text = subprocess.run(
        [nnlab, "export", *command, "--db", database], check=True, capture_output=True, text=True
    ).stdout
    frame = pandas.read_csv(io.StringIO(text))
    rows = connection.execute(query).fetchall()
    names = columns.get(command[0]) or [d[0] for d in connection.execute(query).description]
    assert len(frame) == len(rows), (command, len(frame), len(rows))
    for index, row in enumerate(rows):
        for name, expected in zip(names, row):
            value = frame[name].iloc[index]
            checked += 1
            same = (expected is None and math.isnan(value)) or value == expected
            if not same:
                mismatched += 1
                if mismatched <= 5:
                    print(f"{command[0]} row {index} {name}: pandas {value!r}, database {expected!r}")

# Weights: the CSV against the snapshot BLOBs (float64 little-endian, row-major).
text = subprocess.run(
    [nnlab, "export", "weights", "--run", run, "--format", "csv", "--db", database],
    check=True, capture_output=True, text=True).stdout
frame = pandas.read_csv(io.StringIO(text))
epoch = int(frame["epoch"].iloc[0])
for layer, rows_, cols, data in connection.execute(
        "SELECT layer, rows, cols, data FROM weight_snapshots WHERE run_id = ? AND epoch = ?"
        " ORDER BY layer", (int(run), epoch)):
    theta = numpy.frombuffer(data, "<f8").reshape(rows_, cols)
    values = frame[frame["layer"] == layer]["value"].to_numpy()
    checked += values.size
    mismatched += int((values != theta.reshape(-1)).sum())

print(f"pandas {pandas.__version__}: {checked} values read back, {mismatched} differ")
sys.exit(1 if mismatched else 0)
