"""The abstrax intuition, and the networks it is measured against.

- The *policy*: from a spec's examples, a Flax network predicts which productions of the
  library's grammar a solution uses in which context, and guides the search with them
  (:class:`NeuralGuide`, a :class:`synth.Guide`). It is trained on random programs of
  the library run on random inputs (:func:`sample_dataset`, :func:`train_policy`), never
  on suite or benchmark tasks; :func:`load_policy` loads a trained one, or the default
  that ships for a built-in library.
- The two *baselines* of the extrapolation experiment, networks that map a task's inputs
  to its outputs directly, trained on many input/output pairs: an MLP over padded vectors
  and a small Transformer over the list elements.

Example:
    >>> import neural
    >>> xs = [([i % 10],) for i in range(200)]
    >>> net = neural.fit_baseline("(list[int]) -> int", xs, [x[0][0] for x in xs],
    ...     config=neural.mlp_config(width=32, depth=1, steps=100, warmup_steps=10),
    ...     max_len=5)
    >>> isinstance(net.predict([([7],)])[0], int)
    True
"""

from neural._checkpoint import CheckpointError, load_policy, save_policy
from neural._config import BaselineConfig, BaselineKind, mlp_config, transformer_config
from neural._constants import constant_columns
from neural._data import default_signatures
from neural._dataset import Dataset, load_dataset, sample_dataset
from neural._encode import VALUE_LIMIT, EncodingError
from neural._fit import Baseline, fit_baseline
from neural._guide import NeuralGuide
from neural._policy import Policy, PolicyConfig, encode_examples
from neural._sample import DatasetError, Sample, read_shard, write_shard
from neural._train import train_policy
from neural._train_config import TrainConfig

__all__ = [
    "VALUE_LIMIT",
    "Baseline",
    "BaselineConfig",
    "BaselineKind",
    "CheckpointError",
    "Dataset",
    "DatasetError",
    "EncodingError",
    "NeuralGuide",
    "Policy",
    "PolicyConfig",
    "Sample",
    "TrainConfig",
    "constant_columns",
    "default_signatures",
    "encode_examples",
    "fit_baseline",
    "load_dataset",
    "load_policy",
    "mlp_config",
    "read_shard",
    "sample_dataset",
    "save_policy",
    "train_policy",
    "transformer_config",
    "write_shard",
]
