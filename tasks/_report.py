"""Reports of a suite run: a table, ``summary.md``, ``results.csv`` and plots.

Every figure is a mean over seeds with a 95% confidence interval (Student's t, so that
three seeds give an honest, wide interval rather than a normal one). Suite-level figures
average the tasks of each seed first, then take the interval across seeds.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from rich.table import Table

    from tasks._results import Corrupt
    from tasks._runner import RunConfig

# Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom.
_T95 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def mean_ci(values: Iterable[float]) -> tuple[float, float]:
    """The mean of ``values`` and the half-width of its 95% confidence interval (0 for a
    single value; NaN values are left out; ``(nan, nan)`` when none is left)."""
    xs = [v for v in values if v is not None and not math.isnan(v)]
    if not xs:
        return math.nan, math.nan
    m = statistics.fmean(xs)
    if len(xs) == 1:
        return m, 0.0
    df = len(xs) - 1
    t = _T95[df - 1] if df <= len(_T95) else 1.96
    return m, t * statistics.stdev(xs) / math.sqrt(len(xs))


def format_mean(mean: float, ci: float, *, percent: bool = True) -> str:
    """``mean ±ci`` as a table shows it: in percent (or to two decimals), without the
    interval where there is none (one seed, or seeds that agree), and ``±<1`` where the
    interval is too narrow to show rather than a misleading ``±0``."""
    if math.isnan(mean):
        return "-"
    scale = 100 if percent else 1
    text = f"{mean * scale:.0f}" if percent else f"{mean:.2f}"
    if ci > 0 and not math.isnan(ci):
        shown = f"{ci * scale:.0f}" if percent else f"{ci:.2f}"
        if float(shown) == 0:
            shown = "<1" if percent else "<0.01"
        text += f" ±{shown}"
    return text


def split_names(records: Sequence[dict[str, Any]]) -> list[str]:
    """The splits seen in ``records``: the default splits in their order (``train``,
    ``longer``, ``larger``, ``both``), then a task's own in first-seen order. Result lines
    are written with sorted keys, so the order cannot come from the lines themselves."""
    from tasks._task import DEFAULT_SPLITS

    seen: dict[str, None] = {}
    for r in records:
        for name in r.get("accuracy") or {}:
            seen[name] = None
    return [s for s in DEFAULT_SPLITS if s in seen] + [s for s in seen if s not in DEFAULT_SPLITS]


def _ordered(records: Sequence[dict[str, Any]], key: str) -> list[str]:
    return list(dict.fromkeys(str(r[key]) for r in records))


def rows(records: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """One row per (task, method): seeds solved, accuracy per split (mean ± CI over
    seeds), the first seed's program, and any error."""
    splits = split_names(records)
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        groups[(r["task"], r["method"])].append(r)
    out = []
    for task in _ordered(records, "task"):
        for m in _ordered(records, "method"):
            group = sorted(groups.get((task, m), []), key=lambda r: r["seed"])
            if not group:
                continue
            solved = [r["solved"] for r in group if r["solved"] is not None]
            row = {
                "task": task,
                "method": m,
                "solved": f"{sum(map(bool, solved))}/{len(group)}" if solved else "-",
            }
            for s in splits:
                row[s] = format_mean(*mean_ci(_acc(r, s) for r in group))
            row["program"] = next((r["program"] for r in group if r.get("program")), "") or ""
            errors = [r["error"] for r in group if r.get("error")]
            row["error"] = errors[0] if errors else ""
            out.append(row)
    return out


def _acc(record: dict[str, Any], split: str) -> float:
    if record.get("error"):
        return 0.0  # a crash counts as wrong everywhere, not as missing
    value = (record.get("accuracy") or {}).get(split)
    return math.nan if value is None else float(value)


def method_means(records: Sequence[dict[str, Any]]) -> dict[str, dict[str, tuple[float, float]]]:
    """method -> split -> (mean, CI half-width) over seeds of the mean over tasks; and
    ``"solved"``, the fraction of tasks solved."""
    out: dict[str, dict[str, tuple[float, float]]] = {}
    splits = split_names(records)
    for m in _ordered(records, "method"):
        mine = [r for r in records if r["method"] == m]
        per_seed: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for r in mine:
            per_seed[r["seed"]].append(r)
        stats = {}
        for s in splits:
            stats[s] = mean_ci(_mean(_acc(r, s) for r in rs) for rs in per_seed.values())
        # solved=None (no meaning for the method) is left out, not counted as unsolved.
        stats["solved"] = mean_ci(
            _mean(math.nan if r["solved"] is None else float(bool(r["solved"])) for r in rs)
            for rs in per_seed.values()
        )
        out[m] = stats
    return out


def _mean(values: Iterable[float]) -> float:
    xs = [v for v in values if not math.isnan(v)]
    return statistics.fmean(xs) if xs else math.nan


def unsolved(records: Sequence[dict[str, Any]], method: str = "search") -> list[str]:
    """Tasks that ``method`` solved with no seed, in order."""
    solved_any: dict[str, bool] = {}
    for r in records:
        if r["method"] == method:
            solved_any[r["task"]] = solved_any.get(r["task"], False) or bool(r["solved"])
    return [t for t, ok in solved_any.items() if not ok]


def not_general(records: Sequence[dict[str, Any]], method: str = "search") -> list[tuple[str, str]]:
    """Tasks that ``method`` solved whose program is still wrong somewhere: ``(task,
    where)`` with ``where`` naming each split below 100% and its accuracy, over the seeds
    that solved it (a program that fits the ``train`` examples and passed CEGIS there
    has over-fitted the ``train`` distribution, e.g. its non-negative values)."""
    worst: dict[str, dict[str, float]] = {}
    for r in records:
        if r["method"] != method or not r["solved"] or r.get("error"):
            continue
        splits = worst.setdefault(r["task"], {})
        for name, value in (r.get("accuracy") or {}).items():
            if value is not None and value < 1.0:
                splits[name] = min(value, splits.get(name, 1.0))
    order = split_names(records)
    return [
        (task, ", ".join(f"{s} {_percent_below(splits[s])}%" for s in order if s in splits))
        for task, splits in worst.items()
        if splits
    ]


def _percent_below(value: float) -> str:
    # Rounded down, so that 999 of 1,000 reads 99, not a misleading 100.
    return f"{math.floor(100 * value)}"


def frame(records: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """One row per record, accuracies and curve points as columns (``acc_train``,
    ``length_20``, ``values_100``...)."""
    import pandas as pd

    flat = []
    for r in records:
        row = {
            k: r.get(k)
            for k in (
                "suite",
                "task",
                "method",
                "seed",
                "solved",
                "program",
                "seconds",
                "programs_explored",
                "error",
            )
        }
        for s, v in (r.get("accuracy") or {}).items():
            row[f"acc_{s}"] = v
        for curve, points in (r.get("curves") or {}).items():
            for p, v in points.items():
                row[f"{curve}_{p}"] = v
        flat.append(row)
    return pd.DataFrame(flat)


def rich_table(records: Sequence[dict[str, Any]], title: str = "") -> Table:
    """The per-task table for the terminal."""
    from rich.table import Table

    splits = split_names(records)
    table = Table(title=title, show_lines=False)
    for col in ("task", "method", "solved", *splits):
        table.add_column(col, justify="left" if col in ("task", "method") else "right")
    last_task = None
    for row in rows(records):
        if last_task is not None and row["task"] != last_task:
            table.add_section()
        last_task = row["task"]
        cells = [row["task"], row["method"], row["solved"], *(row[s] for s in splits)]
        if row["error"]:
            cells[2] = "error"
        table.add_row(*cells)
    return table


def markdown(
    records: Sequence[dict[str, Any]],
    *,
    config: RunConfig | None = None,
    skipped: Sequence[tuple[str, str, str]] = (),
    corrupt: Sequence[Corrupt] = (),
) -> str:
    """``summary.md``: the means by method, the per-task table, and what went wrong."""
    splits = split_names(records)
    seeds = sorted({r["seed"] for r in records})
    suite_name = records[0]["suite"] if records else (config.suite if config else "")
    lines = [f"# abstrax run: {suite_name}", ""]
    if config is not None:
        lines += [
            f"Methods {', '.join(config.methods)}; library {config.library}; "
            f"{config.budget:g} s per search; seeds {', '.join(map(str, seeds))}; "
            f"{config.eval_inputs} scoring inputs per split; networks trained on "
            f"{config.train_samples} samples.",
            "",
        ]
    lines += [
        "Accuracy: % of inputs whose whole output is right, mean ± 95% CI over seeds.",
        "",
        "## By method",
        "",
        "| method | solved | " + " | ".join(splits) + " |",
        "|---|---|" + "---|" * len(splits),
    ]
    for m, stats in method_means(records).items():
        cells = [format_mean(*stats[s]) for s in splits]
        lines.append(f"| {m} | {format_mean(*stats['solved'])} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## By task",
        "",
        "| task | method | solved | " + " | ".join(splits) + " | program |",
        "|---|---|---|" + "---|" * len(splits) + "---|",
    ]
    for row in rows(records):
        program = " ".join((f"error: {row['error']}" if row["error"] else row["program"]).split())
        program = program.replace("|", "\\|")
        accs = " | ".join(row[s] for s in splits)
        head = f"| {_md(row['task'])} | {_md(row['method'])} | {row['solved']} | {accs} |"
        lines.append(f"{head} `{program}` |" if program else f"{head} |")
    for m in ("search", "guided"):
        if any(r["method"] == m for r in records):
            missing = unsolved(records, m)
            lines += ["", f"## Not solved by {m}", ""]
            lines += [f"- {t}" for t in missing] if missing else ["None: every task was solved."]
            wrong = not_general(records, m)
            if wrong:
                lines += ["", f"## Solved by {m} but not general", ""]
                lines += [
                    "A program that fits the examples (and passed the run's CEGIS), yet is "
                    "wrong elsewhere (lowest accuracy over the seeds that solved it):",
                    "",
                ]
                lines += [f"- {t}: {where}" for t, where in wrong]
    if skipped:
        lines += ["", "## Skipped", ""] + [f"- {t} / {m}: {why}" for t, m, why in skipped]
    if corrupt:
        lines += ["", "## Unreadable lines of results.jsonl", ""]
        lines += [f"- line {c.line}: {c.reason}" for c in corrupt]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def write_reports(
    records: Sequence[dict[str, Any]],
    workdir: Path,
    *,
    config: RunConfig | None = None,
    skipped: Sequence[tuple[str, str, str]] = (),
    corrupt: Sequence[Corrupt] = (),
) -> dict[str, Path]:
    """Write ``summary.md``, ``results.csv`` and ``plots/*.png`` into ``workdir``."""
    from tasks._plots import plot_curves, plot_splits

    paths = {
        "summary": workdir / "summary.md",
        "csv": workdir / "results.csv",
    }
    paths["summary"].write_text(
        markdown(records, config=config, skipped=skipped, corrupt=corrupt), encoding="utf-8"
    )
    frame(records).to_csv(paths["csv"], index=False)
    if records:
        plots = workdir / "plots"
        plots.mkdir(exist_ok=True)
        paths["extrapolation"] = plot_curves(records, plots / "extrapolation.png")
        paths["splits"] = plot_splits(records, plots / "splits.png")
    return paths
