"""Stage 3, verify: re-checks every printed claim against the raw input, independently.

This stage never imports :mod:`generator.analyse`: a check that shares the
finder's view of the data agrees with the finder's mistakes. (Until it is
filled, the per-observation ``check`` methods in :mod:`generator.analyse` gate
what is printed.)
"""
