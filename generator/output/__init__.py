"""Stage 5, output: a dataset's files as one :class:`.bundle.ReportBundle`, and the
atomic writer (:mod:`.writer`) that swaps a whole output folder in at once."""
