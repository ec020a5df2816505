"""The ``abstrax`` command line: a thin Typer layer over the Python API.

Exit codes: 0 success, 1 an error in the program (parse, type or run), 2 a usage error.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

import dsl

app = typer.Typer(
    name="abstrax",
    help="abstrax: neuro-symbolic program synthesis. Synthesise, check and run programs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
_out = Console(highlight=False, soft_wrap=True)
_err = Console(stderr=True, highlight=False, soft_wrap=True)

LibraryOption = Annotated[
    str,
    typer.Option("--library", "-l", help="core, extended, dreamcoder or an .abx file."),
]


def _library(name: str) -> dsl.Library:
    from tasks._suites import LIBRARIES, resolve_library
    from tasks._task import TaskError

    try:
        return resolve_library(name.lower() if name.lower() in LIBRARIES else name)
    except TaskError as err:
        _err.print(f"error: {err}", markup=False)
        raise typer.Exit(2) from None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as err:
        _err.print(f"error: cannot read {str(path)!r}: {err.strerror or err}")
        raise typer.Exit(2) from None


def _check_module(path: Path, library: dsl.Library) -> tuple[dsl.Module | None, list[str]]:
    """Parse and type-check each definition; return the module and every error message."""
    try:
        module = dsl.parse(_read(path), filename=str(path))
    except dsl.ParseProgramError as err:
        return None, [str(err)]
    errors = []
    for d in module:
        try:
            dsl.typecheck(d, library=library)
        except dsl.TypeCheckError as err:
            errors.append(f"{path}: in {d.name!r}: {err}")
    return module, errors


@app.command()
def check(
    file: Annotated[Path, typer.Argument(help="An .abx source file.")],
    library: LibraryOption = "core",
) -> None:
    """Parse and type-check FILE; print each error with its location."""
    module, errors = _check_module(file, _library(library))
    for message in errors:
        _err.print(message, markup=False)
    if errors:
        raise typer.Exit(1)
    assert module is not None
    for d in module:
        _out.print(f"{d.name} : {d.signature}", markup=False)


def _parse_arg(text: str, position: int) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        _err.print(f"error: argument {position} is not JSON ({err.msg}): {text!r}", markup=False)
        raise typer.Exit(2) from None


@app.command("exec")
def exec_(
    file: Annotated[Path, typer.Argument(help="An .abx source file.")],
    name: Annotated[str, typer.Argument(help="The definition to run.")],
    args: Annotated[
        list[str] | None, typer.Argument(help="Arguments as JSON, e.g. '[3,1,2]' 5 true.")
    ] = None,
    library: LibraryOption = "core",
    fuel: Annotated[int, typer.Option(min=1, help="Work budget of the run.")] = 1_000_000,
) -> None:
    """Run definition NAME of FILE on ARGS and print the result as JSON."""
    lib = _library(library)
    values = [_parse_arg(a, i + 1) for i, a in enumerate(args or [])]
    module, errors = _check_module(file, lib)
    for message in errors:
        _err.print(message, markup=False)
    if errors or module is None:
        raise typer.Exit(1)
    if name not in module:
        err = dsl.UnknownNameError(name, candidates=module.names)
        _err.print(f"error: {file}: {err}", markup=False)
        raise typer.Exit(2)
    definition = module[name]
    if len(values) != len(definition.params):
        wanted = ", ".join(f"{p.name}: {p.type}" for p in definition.params)
        _err.print(f"error: {name} takes ({wanted}); got {len(values)} argument(s)", markup=False)
        raise typer.Exit(2)
    try:
        result = dsl.evaluate(definition, values, library=lib, fuel=fuel)
    except dsl.TypeCheckError as err:
        _err.print(f"error: {err}", markup=False)
        raise typer.Exit(2) from None
    except dsl.EvalError as err:
        _err.print(f"{type(err).__name__}: {err}", markup=False)
        raise typer.Exit(1) from None
    _out.print(json.dumps(result), markup=False)


def _parse_example(text: str, position: int) -> tuple[list[Any], Any]:
    args_text, sep, out_text = text.partition("=>")
    if not sep:
        _err.print(
            f"error: example {position} must read ARGS => OUTPUT, e.g. '[[3, 1, 2]] => 6' "
            f"(ARGS is a JSON array of the arguments); got {text!r}",
            markup=False,
        )
        raise typer.Exit(2)
    args = _parse_arg(args_text.strip(), position)
    if not isinstance(args, list):
        _err.print(f"error: example {position}: ARGS must be a JSON array, got {args!r}")
        raise typer.Exit(2)
    return args, _parse_arg(out_text.strip(), position)


@app.command()
def synth(
    examples: Annotated[
        list[str], typer.Argument(help="Examples 'ARGS => OUTPUT', e.g. '[[3, 1, 2]] => 6'.")
    ],
    library: LibraryOption = "core",
    seconds: Annotated[float, typer.Option(min=0.01, help="Time budget.")] = 10.0,
    enumerator: Annotated[
        str | None,
        typer.Option(help="bottom_up or heap (default: the config's, else bottom_up)."),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(help="A TOML file of search options (synth.SynthesisConfig)."),
    ] = None,
    name: Annotated[str, typer.Option(help="Name of the synthesised definition.")] = "f",
) -> None:
    """Synthesise a program from input/output EXAMPLES and print it."""
    from synth import Budget, ConfigError, Spec, SpecError, SynthesisConfig, synthesize
    from synth._config import enumerator_from_name

    lib = _library(library)
    pairs = [_parse_example(e, i + 1) for i, e in enumerate(examples)]
    try:
        options = SynthesisConfig.from_toml(config) if config is not None else SynthesisConfig()
        if enumerator is not None:
            options = dataclasses.replace(options, enumerator=enumerator_from_name(enumerator))
    except ConfigError as err:
        _err.print(f"error: {err}", markup=False)
        raise typer.Exit(2) from None
    except OSError as err:
        _err.print(f"error: cannot read {str(config)!r}: {err.strerror or err}")
        raise typer.Exit(2) from None
    try:
        spec = Spec.from_examples([(tuple(a), o) for a, o in pairs], name=name)
        result = synthesize(spec, library=lib, budget=Budget(seconds=seconds), **options.options())
    except (SpecError, ConfigError) as err:
        _err.print(f"error: {err}", markup=False)
        raise typer.Exit(2) from None
    _err.print(
        f"{'solved' if result.solved else 'not solved'} ({result.stop_reason}) in "
        f"{result.seconds:.2f}s: {result.programs_explored:,} programs, "
        f"{result.candidates:,} candidates ({result.enumerator})",
        markup=False,
    )
    if result.program is None:
        raise typer.Exit(1)
    _out.print(dsl.pretty(result.program), markup=False)


def _names(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(n.strip() for n in text.split(",") if n.strip())


@app.command()
def run(
    suite: Annotated[
        str, typer.Argument(help="sorting, abstraction, basic, dreamcoder, or a .toml/.json file.")
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Work directory (default: ./runs/SUITE).")
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="A TOML file of run settings (tasks.RunConfig).")
    ] = None,
    methods: Annotated[
        str | None, typer.Option(help="Comma-separated: search, guided, mlp, transformer.")
    ] = None,
    only: Annotated[
        str | None, typer.Option("--tasks", help="Comma-separated task names (default: all).")
    ] = None,
    seeds: Annotated[int | None, typer.Option(min=1, help="Seeds 0..N-1 (default 1).")] = None,
    library: Annotated[
        str | None,
        typer.Option("--library", "-l", help="core, extended, dreamcoder or an .abx file."),
    ] = None,
    budget: Annotated[float | None, typer.Option(min=0.01, help="Seconds per search.")] = None,
    policy: Annotated[
        str | None,
        typer.Option(help="guided: a policy checkpoint (default: the library's own)."),
    ] = None,
    cegis: Annotated[
        str | None, typer.Option(help="Counterexamples from: train (default), wide or off.")
    ] = None,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="Parallel processes (default: cores).")
    ] = None,
    executor: Annotated[str | None, typer.Option(help="process or dask.")] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (default: a local cluster).")
    ] = None,
) -> None:
    """Run a task suite: search and the network baselines on every task, scored on longer
    lists and larger values than any example. Rerunning resumes."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from synth import ConfigError
    from tasks._report import format_mean, method_means, not_general, rich_table, unsolved
    from tasks._runner import RunConfig, RunError, run_suite, with_overrides
    from tasks._task import TaskError

    try:
        base = RunConfig.from_toml(config) if config is not None else RunConfig()
        cfg = with_overrides(
            base,
            suite=suite,
            methods=_names(methods),
            tasks=_names(only),
            seeds=None if seeds is None else tuple(range(seeds)),
            library=library,
            budget=budget,
            policy=policy,
            cegis=cegis,
            jobs=jobs,
            executor=executor,
            scheduler=scheduler,
        )
    except ConfigError as err:
        _err.print(f"error: {err}", markup=False)
        raise typer.Exit(2) from None
    workdir = out if out is not None else Path("runs") / Path(suite).stem
    columns = (*Progress.get_default_columns()[:2], MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, BarColumn(bar_width=None), console=_err, transient=True) as bar:
            summary = run_suite(cfg, workdir, progress=bar)
    except (RunError, TaskError, ConfigError) as err:  # TaskFileError is a TaskError
        _err.print(f"error: {err}", markup=False)
        raise typer.Exit(2) from None
    records = summary.records
    _out.print(rich_table(records, title=f"{cfg.suite}: accuracy (%) by split"))
    for m, stats in method_means(records).items():
        solved = format_mean(*stats["solved"])  # "-" for a method whose 'solved' means nothing
        shown = f"solved {solved}% of tasks" if solved != "-" else "solved: -"
        _out.print(f"{m}: {shown}", markup=False)
    for m in ("search", "guided"):
        missing = unsolved(records, m)
        if m in cfg.methods and missing:
            _out.print(f"not solved by {m}: {', '.join(missing)}", markup=False)
        for task, where in not_general(records, m) if m in cfg.methods else ():
            _out.print(f"solved by {m} but not general: {task} ({where})", markup=False)
    errors = [r for r in records if r.get("error")]
    for r in errors:
        _err.print(
            f"error in {r['task']} / {r['method']} / seed {r['seed']}: {r['error']}", markup=False
        )
    for c in summary.corrupt:
        _err.print(f"warning: results.jsonl line {c.line} unreadable: {c.reason}", markup=False)
    _out.print(
        f"{summary.ran} new results; reports in {workdir}: "
        + ", ".join(p.name for p in summary.reports.values()),
        markup=False,
    )
    if summary.missing:
        _err.print(f"{len(summary.missing)} results missing: run the same command again")
    if errors or summary.missing:
        raise typer.Exit(1)


@app.command()
def train(
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Work directory: data, checkpoints, metrics, policy."),
    ],
    config: Annotated[
        str,
        typer.Option(
            help="default (the settings of the policy that ships for the library) or a TOML "
            "file (neural.TrainConfig)."
        ),
    ] = "default",
    library: Annotated[
        str | None,
        typer.Option("--library", "-l", help="core, extended or dreamcoder (default: dreamcoder)."),
    ] = None,
    steps: Annotated[int | None, typer.Option(min=1, help="Optimisation steps.")] = None,
    seed: Annotated[int | None, typer.Option(help="Parameters, data and their order.")] = None,
) -> None:
    """Train the neural policy that guides the search, on random programs of the library.
    Rerunning resumes from the last checkpoint; the policy is written to OUT/policy."""
    import logging

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    import neural
    from synth import ConfigError

    try:
        if config == "default":
            cfg = neural.TrainConfig.default(library or "dreamcoder")
        else:
            cfg = neural.TrainConfig.from_toml(config)
        changes: dict[str, Any] = {"library": library, "steps": steps, "seed": seed}
        data = {**cfg.to_dict(), **{k: v for k, v in changes.items() if v is not None}}
        cfg = neural.TrainConfig.from_dict(data, where="--config and options")
    except ConfigError as err:
        _err.print(f"error: {err}", markup=False)
        raise typer.Exit(2) from None
    logging.getLogger("neural").setLevel(logging.WARNING)
    columns = (*Progress.get_default_columns()[:2], MofNCompleteColumn(), TimeElapsedColumn())
    latest: dict[str, object] = {}
    try:
        with Progress(*columns, BarColumn(bar_width=None), console=_err, transient=True) as bar:
            task = bar.add_task(f"train {cfg.library}", total=cfg.steps)

            def progress(step: int, total: int, metrics: object) -> None:
                bar.update(task, completed=step)
                if metrics:
                    latest.clear()
                    latest.update(metrics)  # type: ignore[call-overload]

            neural.train_policy(cfg, out, progress=progress)
    except (neural.CheckpointError, neural.DatasetError, ConfigError) as err:
        _err.print(f"error: {err}", markup=False)
        raise typer.Exit(2) from None
    shown = ", ".join(
        f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in latest.items()
    )
    _out.print(
        f"policy for {cfg.library} in {out / 'policy'}; last evaluation: {shown}", markup=False
    )


def main() -> None:
    """Entry point of the ``abstrax`` console script."""
    app()
