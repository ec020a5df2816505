"""The abstrax experiments: tasks and suites, the suite runner, reports, and the command line.

``run_suite(RunConfig(suite="sorting"), "runs/sorting")`` runs every task of a suite with
every method (search and the network baselines), scores each on longer lists and larger
values than it was shown, and writes ``results.jsonl``, ``summary.md``, ``results.csv`` and
plots; ``abstrax run sorting`` is the same from the command line.

Built-in suites: ``basic`` (small list functions from hand-picked examples), ``sorting``,
``abstraction`` and ``dreamcoder`` (DreamCoder's 217 list tasks, an external benchmark).
Users add their own as ``.toml``/``.json`` task files or Python modules (:func:`suite`).

Example:
    >>> import tasks
    >>> tasks.suites()
    ('basic', 'sorting', 'abstraction', 'dreamcoder')
    >>> t = tasks.get("sorting/sort_asc")
    >>> t.output(([3, 1, 2],)), t.split_names
    ([1, 2, 3], ('train', 'longer', 'larger', 'both'))
"""

from tasks._basic import BASIC, basic_task
from tasks._dreamcoder import DreamCoderTask, TaskFileError, load_dreamcoder
from tasks._methods import Method, MethodInfo, Outcome, methods
from tasks._results import Corrupt, read_results
from tasks._runner import RunConfig, RunError, RunSummary, run_suite
from tasks._suites import LIBRARIES, Suite, get, load_suite, resolve_library, suite, suites
from tasks._task import (
    BOTH,
    DEFAULT_SPLITS,
    LARGER,
    LONGER,
    TRAIN,
    Sampler,
    Split,
    Task,
    TaskError,
    sample_int,
    sample_length,
    sample_list,
    sample_value,
    signature_sampler,
)

__all__ = [
    "BASIC",
    "BOTH",
    "DEFAULT_SPLITS",
    "LARGER",
    "LIBRARIES",
    "LONGER",
    "TRAIN",
    "Corrupt",
    "DreamCoderTask",
    "Method",
    "MethodInfo",
    "Outcome",
    "RunConfig",
    "RunError",
    "RunSummary",
    "Sampler",
    "Split",
    "Suite",
    "Task",
    "TaskError",
    "TaskFileError",
    "basic_task",
    "get",
    "load_dreamcoder",
    "load_suite",
    "methods",
    "read_results",
    "resolve_library",
    "run_suite",
    "sample_int",
    "sample_length",
    "sample_list",
    "sample_value",
    "signature_sampler",
    "suite",
    "suites",
]
