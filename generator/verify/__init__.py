"""Stage 3, verify: re-checks every printed claim against the raw input, independently.

It starts again from the exact bytes that were hashed (:mod:`.source`, read with
pyarrow), reads each sentence as a reader would (:mod:`.reading`, the notation of
``docs/reading-a-report.md``), applies level rules in exact decimal arithmetic
(:mod:`.levels`), and checks each observation kind (:mod:`.table`, :mod:`.tensor`).
:func:`.page.verify_table` and :func:`.tensor.verify_tensor` check one report;
:mod:`.folder` checks a published report folder (``attention-report verify``).

This stage never imports the analysis stage, nor the render stage: a check that
shares the finder's view of the data agrees with the finder's mistakes.
"""
