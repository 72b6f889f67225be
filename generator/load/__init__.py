"""Stage 1, load: files in, typed data out, or a one-line error naming the file and place.

Siblings by dataset kind: :mod:`.table` (CSV, TSV, Parquet, JSON, JSONL) and
:mod:`.tensor` (npz, npy, safetensors), both producing the types in
:mod:`.dataset`; :mod:`.sidecar` reads the YAML metadata beside a data file.
Nothing here knows about analysis or pages.
"""
