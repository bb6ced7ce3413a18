#!/usr/bin/python3
"""Reference values for LogitNet's Precision, Recall, F1Score and Auc, computed by scikit-learn.

Writes tests/LogitNet.Tests/Data/metrics/sklearn_reference.json. Each case holds float32 logits,
the float32 probabilities sigmoid(logit) (rounded once from double, so the C# test reads the same
values rather than recomputing them), 0/1 targets, optional sample weights, and sklearn's values:
roc_auc_score, average_precision_score, and precision/recall/f1 at threshold 0.5 (logit > 0).

Run: /usr/bin/python3 tools/metrics_reference.py   (needs Debian's python3-sklearn and python3-numpy)
"""
import json
import os

import numpy as np
from sklearn.metrics import average_precision_score, f1_score, precision_score, recall_score, roc_auc_score


def case(name, logits, labels, weights=None, columns=1):
    logits = np.asarray(logits, dtype=np.float32)
    labels = np.asarray(labels, dtype=np.float32)
    probabilities = (1.0 / (1.0 + np.exp(-logits.astype(np.float64)))).astype(np.float32)
    predicted = (logits > 0).astype(int)
    flat_weights = None
    if weights is not None:
        weights = np.asarray(weights, dtype=np.float32)
        flat_weights = np.repeat(weights.astype(np.float64), columns)
    kw = {} if flat_weights is None else {"sample_weight": flat_weights}
    y = labels.astype(int)
    return {
        "name": name,
        "columns": columns,
        "logits": [float(v) for v in logits],
        "probabilities": [float(v) for v in probabilities],
        "labels": [float(v) for v in labels],
        "weights": None if weights is None else [float(v) for v in weights],
        "roc_auc": float(roc_auc_score(y, logits.astype(np.float64), **kw)),
        "roc_auc_probabilities": float(roc_auc_score(y, probabilities.astype(np.float64), **kw)),
        "average_precision": float(average_precision_score(y, logits.astype(np.float64), **kw)),
        "average_precision_probabilities": float(average_precision_score(y, probabilities.astype(np.float64), **kw)),
        "precision": float(precision_score(y, predicted, zero_division=0, **kw)),
        "recall": float(recall_score(y, predicted, zero_division=0, **kw)),
        "f1": float(f1_score(y, predicted, zero_division=0, **kw)),
    }


def main():
    rng = np.random.default_rng(20261203)
    cases = []

    z = rng.normal(0, 2, 200).astype(np.float32)
    y = (rng.random(200) < 1 / (1 + np.exp(-1.5 * z))).astype(np.float32)
    cases.append(case("balanced", z, y))
    cases.append(case("balanced_weighted", z, y, weights=rng.uniform(0.25, 3.0, 200)))

    # Many tied scores: logits on a coarse grid.
    z = np.round(rng.normal(0, 1.5, 150) * 2) / 2
    y = (rng.random(150) < 1 / (1 + np.exp(-z))).astype(np.float32)
    cases.append(case("ties", z, y))

    # Imbalanced, as fraud or disease data: about 5% positives.
    z = rng.normal(-3, 2, 400).astype(np.float32)
    y = (rng.random(400) < 1 / (1 + np.exp(-(z + 0.5)))).astype(np.float32)
    cases.append(case("imbalanced_weighted", z, y, weights=rng.uniform(0.5, 2.0, 400)))

    # Multi-label [n, 3]: every entry pooled, each with its sample's weight.
    z = rng.normal(0, 2, (60, 3)).astype(np.float32)
    y = (rng.random((60, 3)) < 1 / (1 + np.exp(-z))).astype(np.float32)
    cases.append(case("multilabel_weighted", z.reshape(-1), y.reshape(-1), weights=rng.uniform(0.5, 2.0, 60), columns=3))

    # Saturated logits: distinct as logits, tied at 1.0f or 0.0f as float32 probabilities.
    z = np.array([20, 25, 30, 35, -20, -25, -30, -110, -120, 1, -1, 40], dtype=np.float32)
    y = np.array([1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 0], dtype=np.float32)
    cases.append(case("saturated", z, y))

    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "..", "tests", "LogitNet.Tests", "Data", "metrics", "sklearn_reference.json")
    with open(out, "w") as f:
        json.dump({"generator": "tools/metrics_reference.py", "cases": cases}, f, indent=1)
        f.write("\n")
    print("wrote", os.path.normpath(out), len(cases), "cases")


if __name__ == "__main__":
    main()
