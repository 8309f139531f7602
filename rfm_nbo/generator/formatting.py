"""Vectorised text rendering of generated values (the raw files are all text).

Arrow compute kernels do the work, so millions of values format in C++, not in
a Python loop. Formats: ids zero-padded with a prefix ('C0000001'), money with
two decimals ('12.50'), timestamps 'YYYY-MM-DD HH:MM:SS' (UTC), booleans
'true'/'false'. Consent flags may also be null (never asked), and an optional
timestamp is null where its number is negative.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """'C0000042'-style ids from positive integers; numbers below 1 become null.

    Ids have a fixed length, so the bytes are laid out directly in one
    (rows x length) array and handed to Arrow as a string array's buffers.
    """
    numbers = np.asarray(numbers, dtype=np.int64)
    if len(numbers) and numbers.max() >= 10**width:
        raise ValueError(f"{prefix} ids need more than {width} digits")
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    size = len(head) + width
    chars = np.empty((len(numbers), size), dtype=np.uint8)
    chars[:, : len(head)] = head
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    chars[:, len(head) :] = np.abs(numbers)[:, None] // powers % 10 + ord("0")
    offsets = np.arange(0, (len(numbers) + 1) * size, size, dtype=np.int32)
    text = pa.StringArray.from_buffers(
        len(numbers), pa.py_buffer(offsets), pa.py_buffer(chars.reshape(-1))
    )
    if (numbers < 1).any():
        text = pc.if_else(pa.array(numbers < 1), pa.scalar(None, pa.string()), text)
    return text


def integers(values: np.ndarray) -> pa.Array:
    """Plain integer text ('3', '-1')."""
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())


def money(cents: np.ndarray) -> pa.Array:
    """Currency text with two decimals from non-negative integer cents (1250 -> '12.50')."""
    cents = np.asarray(cents, dtype=np.int64)
    if (cents < 0).any():
        raise ValueError("money() formats non-negative amounts only")
    units = pc.cast(pa.array(cents // 100), pa.string())
    hundredths = pc.utf8_lpad(pc.cast(pa.array(cents % 100), pa.string()), width=2, padding="0")
    return pc.binary_join_element_wise(units, hundredths, ".")


def timestamps(epoch_seconds: np.ndarray) -> pa.Array:
    """'YYYY-MM-DD HH:MM:SS' (UTC) from Unix seconds."""
    seconds = pa.array(np.asarray(epoch_seconds, dtype=np.int64), type=pa.timestamp("s"))
    return pc.cast(seconds, pa.string())


def booleans(values: np.ndarray) -> pa.Array:
    """'true' / 'false'."""
    return pc.if_else(pa.array(np.asarray(values, dtype=bool)), "true", "false")


def flags(codes: np.ndarray) -> pa.Array:
    """'false' / 'true' / null from codes 0 / 1 / anything else (an answer never given)."""
    codes = np.asarray(codes, dtype=np.int64)
    text = booleans(codes == 1)
    return pc.if_else(pa.array((codes == 0) | (codes == 1)), text, pa.scalar(None, pa.string()))


def optional_timestamps(epoch_seconds: np.ndarray) -> pa.Array:
    """Like `timestamps`, with null where the value is negative (no time)."""
    epoch_seconds = np.asarray(epoch_seconds, dtype=np.int64)
    text = timestamps(np.maximum(epoch_seconds, 0))
    return pc.if_else(pa.array(epoch_seconds >= 0), text, pa.scalar(None, pa.string()))


def labels(names: Sequence[str], codes: np.ndarray) -> pa.Array:
    """The label of each code (`names[code]`)."""
    return pc.take(pa.array(list(names), pa.string()), pa.array(np.asarray(codes, np.int64)))


def pct(values: np.ndarray) -> pa.Array:
    """Whole percent as text ('10')."""
    return integers(values)
