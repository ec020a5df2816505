"""The abstrax intuition, and the networks it is measured against.

Built so far: the two *baselines* of the extrapolation experiment, networks that map a
task's inputs to its outputs directly, trained on many input/output pairs: an MLP over
padded vectors and a small Transformer over the list elements.

Example:
    >>> import neural
    >>> xs = [([i % 10],) for i in range(200)]
    >>> net = neural.fit_baseline("(list[int]) -> int", xs, [x[0][0] for x in xs],
    ...     config=neural.mlp_config(width=32, depth=1, steps=100, warmup_steps=10),
    ...     max_len=5)
    >>> isinstance(net.predict([([7],)])[0], int)
    True
"""

from neural._config import BaselineConfig, BaselineKind, mlp_config, transformer_config
from neural._encode import VALUE_LIMIT, EncodingError
from neural._fit import Baseline, fit_baseline

__all__ = [
    "VALUE_LIMIT",
    "Baseline",
    "BaselineConfig",
    "BaselineKind",
    "EncodingError",
    "fit_baseline",
    "mlp_config",
    "transformer_config",
]
