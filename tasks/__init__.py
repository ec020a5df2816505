"""The abstrax experiments: task suites, the suite runner, reports, and the command line.

Suites so far: ``BASIC`` (small list functions with references, for the unguided search)
and DreamCoder's 217 list tasks (``load_dreamcoder()``), an external benchmark.

Example:
    >>> import tasks
    >>> suite = tasks.load_dreamcoder()
    >>> len(suite), suite[0].name, str(suite[0].signature)
    (217, 'add-k with k=0', '(list[int]) -> list[int]')
"""

from tasks._basic import BASIC, ListTask, basic_task
from tasks._dreamcoder import DreamCoderTask, TaskFileError, load_dreamcoder

__all__ = [
    "BASIC",
    "DreamCoderTask",
    "ListTask",
    "TaskFileError",
    "basic_task",
    "load_dreamcoder",
]
