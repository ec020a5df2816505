"""A trained policy on disk: its files, the checkpoints of a run, and loading either.

A policy directory holds ``policy.json`` (the model's config and the vocabulary) and
``params.msgpack`` (the parameters alone, in flax's msgpack format): what
:func:`save_policy` and the end of a run write, and what ships in
``neural/policies/<library>/``. A training run's Orbax checkpoints, in
``workdir/checkpoints/<step>/``, hold the parameters, the optimizer's state and a ``meta``
record (the run's config and vocabulary, the step, the data order and the training losses
since the last metrics line), so that a run resumes exactly. :func:`load_policy` reads
either, or the default policy that ships for a built-in library, and checks it against
the library's vocabulary; whatever cannot be loaded raises :class:`CheckpointError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import orbax.checkpoint as ocp  # type: ignore[import-untyped]  # no py.typed
from flax import nnx, serialization

import dsl
import synth
from neural._constants import constant_columns
from neural._guide import NeuralGuide
from neural._policy import Policy, PolicyConfig


class CheckpointError(dsl.AbstraxError, ValueError):
    """A policy or checkpoint that cannot be loaded: a missing directory, a corrupt or
    truncated file, one made for another library or vocabulary. The message names the
    path and what was expected."""


# ---- the trained policy as files: policy.json and params.msgpack -------------------------

POLICY_FILE, PARAMS_FILE = "policy.json", "params.msgpack"


def vocabulary_json(vocabulary: synth.Vocabulary) -> dict[str, Any]:
    """The vocabulary as JSON data (what a checkpoint records and is checked against)."""
    return {
        "library": vocabulary.library,
        "contexts": [list(c) for c in vocabulary.contexts],
        "productions": list(vocabulary.productions),
    }


def check_vocabulary(saved: Any, vocabulary: synth.Vocabulary, where: str) -> None:
    """Raise :class:`CheckpointError` unless ``saved`` (from :func:`vocabulary_json`) is
    ``vocabulary``; the message says what differs."""
    expected = vocabulary_json(vocabulary)
    if saved == expected:
        return
    if not isinstance(saved, Mapping) or not {"library", "contexts", "productions"} <= set(saved):
        raise CheckpointError(f"{where}: no vocabulary recorded (expected {list(expected)})")
    made = f"made for library {saved['library']!r}"
    want = f"expected library {vocabulary.library!r}"
    if saved["library"] != vocabulary.library:
        raise CheckpointError(f"{where}: {made}, {want} (pass library=... to load it)")
    missing = sorted(set(expected["productions"]) - set(saved["productions"]))
    extra = sorted(set(saved["productions"]) - set(expected["productions"]))
    raise CheckpointError(
        f"{where}: {made} with another vocabulary ({len(saved['contexts'])} contexts x "
        f"{len(saved['productions'])} productions; {want}'s is {vocabulary.shape[0]} x "
        f"{vocabulary.shape[1]}; productions it lacks: {missing}, that it has in excess: "
        f"{extra}, or the same names in another order)"
    )


def save_policy(guide: NeuralGuide, path: str | Path) -> Path:
    """Write a trained policy to the directory ``path``: ``policy.json`` (its config and
    vocabulary) and ``params.msgpack`` (its parameters, in flax's msgpack format; no
    optimizer state, so a default policy is about 4 bytes a parameter).

    Returns:
        ``path``, for :func:`neural.load_policy`.
    """
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    params = nnx.to_pure_dict(nnx.state(guide.policy, nnx.Param))
    data = serialization.msgpack_serialize(jax.tree.map(np.asarray, params))
    info = {"model": guide.config.to_dict(), "vocabulary": vocabulary_json(guide.vocabulary)}
    for name, content in ((PARAMS_FILE, data), (POLICY_FILE, json.dumps(info, indent=1))):
        tmp = path / (name + ".tmp")  # renamed at the end: a crash leaves no half file
        if isinstance(content, bytes):
            tmp.write_bytes(content)
        else:
            tmp.write_text(content, encoding="utf-8")
        tmp.replace(path / name)
    return path


def read_policy(path: Path, vocabulary: synth.Vocabulary) -> NeuralGuide:
    """The policy :func:`save_policy` wrote to ``path``, checked against ``vocabulary``.

    Raises:
        CheckpointError: a missing, corrupt or truncated file, or another vocabulary.
    """
    try:
        info = json.loads((path / POLICY_FILE).read_text(encoding="utf-8"))
        check_vocabulary(info.get("vocabulary"), vocabulary, str(path))
        config = PolicyConfig(**info["model"])
        raw = serialization.msgpack_restore((path / PARAMS_FILE).read_bytes())
    except CheckpointError:
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError, dsl.AbstraxError) as err:
        raise CheckpointError(
            f"{path}: not a readable policy (expected {POLICY_FILE} and {PARAMS_FILE} as "
            f"neural.save_policy writes them): {err}"
        ) from err
    policy = abstract_policy(config, vocabulary)
    restore_params(policy, raw, str(path / PARAMS_FILE))
    return NeuralGuide(policy, vocabulary)


def abstract_policy(config: PolicyConfig, vocabulary: synth.Vocabulary) -> Policy:
    """A policy of ``vocabulary`` with shapes but no values, to restore parameters into
    (building a real one would compute, and on CPU compile, every initialiser: seconds)."""
    constants = constant_columns(vocabulary)
    shape = vocabulary.shape
    return nnx.eval_shape(lambda: Policy(config, shape, rngs=nnx.Rngs(0), constants=constants))


def restore_params(policy: Policy, params: Any, where: str) -> None:
    """Set ``policy``'s parameters to ``params`` (a pure dict of arrays of the same
    structure, shapes and dtypes), or raise :class:`CheckpointError`."""
    state = nnx.state(policy, nnx.Param)
    pure = nnx.to_pure_dict(state)
    try:
        structure: Any = jax.tree.structure
        fits = structure(params) == structure(pure) and all(
            np.shape(a) == b.shape and np.asarray(a).dtype == b.dtype
            for a, b in zip(jax.tree.leaves(params), jax.tree.leaves(pure), strict=True)
        )
    except (TypeError, ValueError) as err:
        raise CheckpointError(f"{where}: parameters of the wrong form ({err})") from err
    if not fits:
        raise CheckpointError(
            f"{where}: the parameters do not fit the policy its config describes (expected "
            f"{len(jax.tree.leaves(pure))} arrays of its shapes)"
        )
    nnx.replace_by_pure_dict(state, _fresh(params))
    nnx.update(policy, state)


def _fresh(tree: Any) -> Any:
    """``tree``'s arrays as new, uncommitted device arrays: Orbax restores committed
    ones, and jit would compile every step again for them."""
    return jax.tree.map(lambda x: jnp.asarray(np.asarray(x)), tree)


# ---- a run's Orbax checkpoints, and loading a policy ------------------------------------


#: Model settings added after runs were first saved, with the value every older run used:
#: a record written before one was added reads as having had it.
_ADDED_MODEL_SETTINGS = {"numeric": False, "constants": False}


def _upgraded(record: Any) -> Any:
    """A stored run record (``run.json``, a checkpoint's meta) with the model settings
    added since it was written, at the values it was trained with."""
    config = record.get("config") if isinstance(record, dict) else None
    if not isinstance(config, dict) or not isinstance(config.get("model"), dict):
        return record
    model = _ADDED_MODEL_SETTINGS | config["model"]
    return record | {"config": config | {"model": model}}


def _claim(path: Path, run: dict[str, Any]) -> None:
    """Write ``run.json``, or check that the one there is of the same run."""
    if not path.exists():
        path.write_text(json.dumps(run, indent=1), encoding="utf-8")
        return
    try:
        old = _upgraded(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as err:
        raise CheckpointError(f"{path}: not readable ({err})") from err
    if old != run:
        config = old.get("config", {}) if isinstance(old, dict) else {}
        keys = sorted(k for k, v in run["config"].items() if config.get(k) != v) or "vocabulary"
        raise CheckpointError(
            f"{path.parent} holds a run of another config (it differs in {keys}); use "
            "another workdir, or this one's config to resume it"
        )


def _resume(
    manager: ocp.CheckpointManager,
    model: Policy,
    optimizer: nnx.Optimizer[Policy],
    run: dict[str, Any],
    workdir: Path,
) -> tuple[int, list[float]]:
    """Restore the latest checkpoint into ``model`` and ``optimizer``: its step and the
    training losses since the last metrics line (``0, []`` without a checkpoint)."""
    step = manager.latest_step()
    if step is None:
        return 0, []
    where = str(workdir / "checkpoints" / str(step))
    restored = _restore(manager, step, where, _items(model, optimizer, None))
    meta = _upgraded(restored["meta"])
    if not isinstance(meta, dict) or {k: meta.get(k) for k in run} != run:
        raise CheckpointError(f"{where}: a checkpoint of another run (config or vocabulary)")
    restore_params(model, restored["model"], where)
    state = nnx.state(optimizer)
    nnx.replace_by_pure_dict(state, _fresh(restored["optimizer"]))
    nnx.update(optimizer, state)
    return step, [float(x) for x in meta["losses"]]


def _items(
    model: Policy, optimizer: nnx.Optimizer[Policy], meta: dict[str, Any] | None
) -> dict[str, Any]:
    """A checkpoint's items: to save (with ``meta``), or to restore into (without)."""
    params = nnx.to_pure_dict(nnx.state(model, nnx.Param))
    opt = nnx.to_pure_dict(nnx.state(optimizer))
    if meta is None:
        restore = ocp.args.StandardRestore
        return {"model": restore(params), "optimizer": restore(opt), "meta": ocp.args.JsonRestore()}
    save = ocp.args.StandardSave
    return {"model": save(params), "optimizer": save(opt), "meta": ocp.args.JsonSave(meta)}


def _restore(manager: ocp.CheckpointManager, step: int, where: str, items: dict[str, Any]) -> Any:
    try:
        return manager.restore(step, args=ocp.args.Composite(**items))
    except Exception as err:  # Orbax and TensorStore raise many kinds; all: "not readable"
        raise CheckpointError(f"{where}: cannot restore the checkpoint ({err})") from err


def load_policy(
    path: str | Path | None = None, *, library: dsl.Library = dsl.DREAMCODER
) -> NeuralGuide:
    """A trained policy, as a guide for :func:`synth.synthesize`.

    Args:
        path: a policy directory (``policy.json`` and ``params.msgpack``, as
            :func:`save_policy` and the end of a run write them), a training workdir (its
            latest checkpoint) or its ``checkpoints`` directory; None: the default policy
            that ships with the package for ``library``.
        library: the library the policy must be for.

    Raises:
        CheckpointError: no such directory, no default policy for ``library``, a corrupt
            or truncated checkpoint, or one made for another library or vocabulary.

    Example:
        >>> guide = load_policy("runs/dreamcoder/policy")  # doctest: +SKIP
        >>> synth.synthesize(spec, library=dsl.DREAMCODER, guide=guide)  # doctest: +SKIP
    """
    vocab = synth.Vocabulary.of(library)
    if path is None:
        path = Path(__file__).parent / "policies" / library.name
        if not (path / "policy.json").is_file():
            raise CheckpointError(
                f"no default policy ships for library {library.name!r} (none in {path}); "
                f"train one with neural.train_policy(neural.TrainConfig(library="
                f"{library.name!r}), workdir) and load it with load_policy(workdir)"
            )
    path = Path(path).absolute()
    if not path.is_dir():
        raise CheckpointError(
            f"{path}: no such directory; expected a policy directory (policy.json, "
            "params.msgpack) or a training workdir (checkpoints/)"
        )
    if (path / "policy.json").exists() or (path / "params.msgpack").exists():
        return read_policy(path, vocab)
    folder = path / "checkpoints" if (path / "checkpoints").is_dir() else path
    options = ocp.CheckpointManagerOptions(read_only=True, create=False)
    with ocp.CheckpointManager(folder, options=options) as manager:
        step = manager.latest_step()
        if step is None:
            raise CheckpointError(f"{folder}: no checkpoint there (expected <step>/ folders)")
        where = str(folder / str(step))
        meta = _restore(manager, step, where, {"meta": ocp.args.JsonRestore()})["meta"]
        check_vocabulary(meta.get("vocabulary") if isinstance(meta, dict) else None, vocab, where)
        try:
            model = PolicyConfig(**meta["config"]["model"])
        except (KeyError, TypeError, synth.ConfigError) as err:
            raise CheckpointError(f"{where}: no readable model config ({err})") from err
        policy = abstract_policy(model, vocab)
        target = nnx.to_pure_dict(nnx.state(policy, nnx.Param))
        restored = _restore(manager, step, where, {"model": ocp.args.StandardRestore(target)})
    restore_params(policy, restored["model"], where)
    return NeuralGuide(policy, vocab)
