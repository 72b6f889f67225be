"""Stage 2, analyse: typed data in, facts and observations out — never formatted text.

Tables: :mod:`.levels` (the level rule → a grid), :mod:`.table` (the finders),
:mod:`.observations` (one dataclass per claim kind), :mod:`.ranges`. Tensors:
:mod:`.heads` (per-head metrics and patterns), :mod:`.tensor` (their observations).
"""
