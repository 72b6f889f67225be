"""An uncompressed ``.npz`` member read in place: a view of the file's bytes, its CRC-32 checked.

``np.load`` reads a member of a zip held in memory through ``zipfile`` in 256 KB
chunks, each copied out of the archive and then into a new array: for the 1 MB
prompts of a corpus that cost more than hashing the file. ``np.savez`` stores its
members uncompressed, so the array's bytes already sit, contiguous, inside the
file's bytes; this reads them there. It checks what ``zipfile`` checks (the local
header, the sizes, the CRC-32 of the data) and what ``np.load`` checks (the
``.npy`` header, the data's length), and gives up — returns None — on anything
else (a compressed or encrypted member, a header that does not add up, a bad
CRC), so the caller reads that file the ordinary way and reports a damaged file
exactly as before.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import numpy as np

_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, the fields zipfile's directory already gave, name and extra lengths


def stored_array(raw: bytes, archive: zipfile.ZipFile, member: str) -> np.ndarray | None:
    """The ``.npy`` member ``member`` of the zip ``raw`` as a read-only array over ``raw``, or None."""
    info = archive.getinfo(member)
    if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1 or info.compress_size != info.file_size:
        return None
    start = info.header_offset
    if start + _LOCAL_HEADER.size > len(raw):
        return None
    signature, name_length, extra_length = _LOCAL_HEADER.unpack_from(raw, start)
    begin = start + _LOCAL_HEADER.size + name_length + extra_length
    end = begin + info.file_size
    if signature != b"PK\x03\x04" or end > len(raw):
        return None
    data = memoryview(raw)[begin:end]
    if zlib.crc32(data) != info.CRC:
        return None
    parsed = _npy_layout(data)
    if parsed is None:
        return None
    offset, shape, fortran_order, dtype = parsed
    count = int(np.prod(shape, dtype=np.int64))
    if dtype.hasobject or offset + count * dtype.itemsize != len(data):
        return None
    array = np.frombuffer(raw, dtype=dtype, count=count, offset=begin + offset)
    return array.reshape(shape[::-1]).transpose() if fortran_order else array.reshape(shape)


def _npy_layout(data: memoryview) -> tuple[int, tuple[int, ...], bool, np.dtype] | None:
    """Where a ``.npy`` stream's data starts, and its shape, order and dtype, from its header alone."""
    try:
        version = np.lib.format.read_magic(io.BytesIO(data[:8]))
        length_size = 2 if version == (1, 0) else 4
        (length,) = struct.unpack("<H" if length_size == 2 else "<I", data[8:8 + length_size])
        header = io.BytesIO(data[:8 + length_size + length])
        np.lib.format.read_magic(header)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(header)
        elif version == (2, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(header)
        else:
            return None
    except (ValueError, struct.error, EOFError):
        return None
    return header.tell(), tuple(shape), bool(fortran_order), dtype
