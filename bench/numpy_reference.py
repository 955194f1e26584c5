"""The peer: the same full-batch backpropagation as `nnlab train`, in NumPy, one thread.

    python3 bench/numpy_reference.py DATA.csv WEIGHTS.json LAMBDA ALPHA EPOCHS REPETITIONS

DATA.csv: a header row, the features, then the class label (classes one-hot in sorted order,
as nnlab encodes them). WEIGHTS.json: {"theta": [Θ1, Θ2, …]}, the initial weights nnlab reads
with --init-weights. Sigmoid units, cross-entropy, J with (λ/2m)ΣΘ² without the bias column,
D = Δ/m + (λ/m)Θ: epochs 0…E are evaluated (E + 1 costs) and E steps taken, as nnlab does.
Prints one line per repetition: the loop's seconds (data already loaded) and the final cost
J(Θ_E).
"""
import json
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward(first, thetas):
    """The activations [1 A] of every layer but the output, from [1 X] = `first`, and h."""
    ones = np.ones((first.shape[0], 1))
    activations = [first]
    for t in thetas[:-1]:
        activations.append(np.hstack([ones, sigmoid(activations[-1] @ t.T)]))
    return activations, sigmoid(activations[-1] @ thetas[-1].T)


def cross_entropy(h, y):
    """J without the regularization term: the course's train or validation error."""
    return -np.sum(y * np.log(h) + (1 - y) * np.log(1 - h)) / h.shape[0]


def step(activations, h, y, thetas, lam, alpha):
    """One step of descent, Θ ← Θ − αD, in place: D = Δ/m + (λ/m)Θ without the bias column."""
    m = h.shape[0]
    delta = h - y
    gradients = []
    for layer in range(len(thetas) - 1, -1, -1):
        gradient = delta.T @ activations[layer] / m
        gradient[:, 1:] += lam / m * thetas[layer][:, 1:]
        gradients.append(gradient)
        if layer > 0:
            a = activations[layer][:, 1:]
            delta = (delta @ thetas[layer])[:, 1:] * a * (1 - a)
    for t, g in zip(thetas, reversed(gradients)):
        t -= alpha * g


def regularized(error, thetas, lam, m):
    """J = the error + (λ/2m)ΣΘ² without the bias column."""
    return error + lam / (2 * m) * sum(np.sum(t[:, 1:] ** 2) for t in thetas)


def train(x, y, thetas, lam, alpha, epochs):
    m = x.shape[0]
    thetas = [t.copy() for t in thetas]
    first = np.hstack([np.ones((m, 1)), x])  # [1 X] does not change: built once
    for epoch in range(epochs + 1):
        activations, h = forward(first, thetas)
        cost = regularized(cross_entropy(h, y), thetas, lam, m)
        if epoch == epochs:
            return cost
        step(activations, h, y, thetas, lam, alpha)


def main():
    data, weights, lam, alpha, epochs, repetitions = sys.argv[1:7]
    table = np.loadtxt(data, delimiter=",", skiprows=1)
    x, labels = table[:, :-1], table[:, -1]
    classes = np.unique(labels)
    y = (labels[:, None] == classes[None, :]).astype(float)
    with open(weights) as file:
        thetas = [np.array(t, dtype=float) for t in json.load(file)["theta"]]
    with threadpool_limits(1):
        for _ in range(int(repetitions)):
            start = time.perf_counter()
            cost = train(x, y, thetas, float(lam), float(alpha), int(epochs))
            seconds = time.perf_counter() - start
            print(f"{seconds:.9f} {float(cost)!r}", flush=True)


if __name__ == "__main__":
    main()
