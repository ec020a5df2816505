"""Plots of a suite run (matplotlib, drawn off-screen): program against networks.

``extrapolation.png``: accuracy against the longest list length and against the largest
value magnitude, one line per method with its 95% confidence band over seeds.
``splits.png``: accuracy on each split, one bar per method, with 95% intervals.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tasks._report import mean_ci, method_means, split_names

_LABELS = {"length": "longest list length", "values": "largest |value|"}


def _curve(
    records: Sequence[dict[str, Any]], method: str, curve: str
) -> tuple[list[float], list[float], list[float]]:
    """Points, means and CI half-widths of one method's curve."""
    per_point_seed: dict[float, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    # A result that crashed has no curve; it counts as 0 at every point, as in the tables.
    all_points = {p for r in records for p in ((r.get("curves") or {}).get(curve) or {})}
    for r in records:
        if r["method"] != method:
            continue
        points = (r.get("curves") or {}).get(curve) or {}
        if r.get("error"):
            points = dict.fromkeys(all_points, 0.0)
        for p, v in points.items():
            if v is not None and not math.isnan(v):
                per_point_seed[float(p)][r["seed"]].append(float(v))
    xs, means, cis = [], [], []
    for p in sorted(per_point_seed):
        seeds = per_point_seed[p]
        m, ci = mean_ci(sum(v) / len(v) for v in seeds.values())
        xs.append(p)
        means.append(m)
        cis.append(ci)
    return xs, means, cis


def _methods(records: Sequence[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(r["method"] for r in records))


def plot_curves(records: Sequence[dict[str, Any]], path: Path) -> Path:
    """Accuracy against list length and against value magnitude; returns ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    suite = records[0]["suite"] if records else ""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, curve in zip(axes, ("length", "values"), strict=True):
        for m in _methods(records):
            xs, means, cis = _curve(records, m, curve)
            if not xs:
                continue
            (line,) = ax.plot(xs, [100 * v for v in means], marker="o", label=m)
            lo = [100 * (v - c) for v, c in zip(means, cis, strict=True)]
            hi = [100 * (v + c) for v, c in zip(means, cis, strict=True)]
            ax.fill_between(xs, lo, hi, color=line.get_color(), alpha=0.15, linewidth=0)
        ax.set_xlabel(_LABELS[curve])
        if curve == "values":
            ax.set_xscale("log")
        ax.set_ylim(-3, 103)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("exact-match accuracy (%)")
    if axes[0].get_legend_handles_labels()[0]:
        axes[0].legend()
    fig.suptitle(f"{suite}: accuracy beyond the training distribution")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_splits(records: Sequence[dict[str, Any]], path: Path) -> Path:
    """Accuracy on each split by method, with 95% intervals over seeds; returns ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    splits = split_names(records)
    means = method_means(records)
    methods = list(means)
    width = 0.8 / max(1, len(methods))
    fig, ax = plt.subplots(figsize=(8, 4))
    for i, m in enumerate(methods):
        xs = [j + (i - (len(methods) - 1) / 2) * width for j in range(len(splits))]
        ys = [100 * means[m][s][0] for s in splits]
        errs = [100 * means[m][s][1] for s in splits]
        ax.bar(xs, ys, width, yerr=errs, capsize=3, label=m)
    ax.set_xticks(range(len(splits)), splits)
    ax.set_ylabel("exact-match accuracy (%)")
    ax.set_ylim(0, 105)
    ax.legend()
    suite = records[0]["suite"] if records else ""
    ax.set_title(f"{suite}: mean accuracy over tasks, by split")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
