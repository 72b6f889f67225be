"""Input problems, reported as one line each.

Every stage that reads user input raises :class:`InputError` with one
:class:`Problem` per thing wrong, so that the CLI and the MkDocs plugin can print
``FILE: PLACE: MESSAGE`` lines and stop without a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input file, located precisely enough to fix it."""

    file: str
    place: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.place}" if self.place else self.file
        return _one_line(f"{where}: {self.message}")


class InputError(Exception):
    """Bad input: carries every problem found, never a partial result."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(cls, file: str, place: str, message: str) -> "InputError":
        return cls(Problem(str(file), place, message))


def characters_only(text: str, file: str, place: str) -> str:
    """Refuse lone surrogates: JSON (``"\\ud800"``) and YAML escapes can make strings that
    no page, JSON file or UTF-8 output can hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError.at(file, place, f"holds a lone surrogate U+{ord(text[exc.start]):04X}, "
                            "which is not a character") from None
    return text


def _one_line(text: str, limit: int = 400) -> str:
    """Collapse newlines and cut very long values so an error stays one readable line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
