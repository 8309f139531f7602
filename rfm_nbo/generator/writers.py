"""Incremental, deterministic file writers: one CSV or Parquet file per table.

Each writer appends chunk after chunk, so memory stays bounded at any scale,
and writes to `<name>.tmp` first, renaming only on success: an interrupted
run never leaves a half-written table under the real name.

CSV: header row, minimal quoting, '\\n' line ends, null as an empty field.
Parquet: every column a string, zstd-compressed, one row group per chunk.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Protocol

import pyarrow as pa
import pyarrow.parquet as pq

FORMATS = ("csv", "parquet")


class TableWriter(Protocol):
    """Appends Arrow tables to one file."""

    path: Path
    rows: int

    def write(self, table: pa.Table) -> None:
        """Append the rows of `table` (same schema every time)."""

    def close(self) -> None:
        """Finish the file and move it to its final name."""

    def abort(self) -> None:
        """Close and delete the unfinished file (the final name is left untouched)."""


class CsvTableWriter:
    """A CSV file written through Python's csv module (byte-stable, minimal quoting)."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path = path
        self.rows = 0
        self._tmp = path.with_name(path.name + ".tmp")
        self._file = self._tmp.open("w", newline="", encoding="utf-8")
        self._csv = csv.writer(self._file, lineterminator="\n")
        self._csv.writerow(schema.names)

    def write(self, table: pa.Table) -> None:
        """Append rows; nulls become empty fields."""
        self._csv.writerows(zip(*(column.to_pylist() for column in table.columns), strict=True))
        self.rows += table.num_rows

    def close(self) -> None:
        """Flush and rename into place."""
        self._file.close()
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        """Drop the unfinished file."""
        self._file.close()
        self._tmp.unlink(missing_ok=True)


class ParquetTableWriter:
    """A Parquet file with one row group per written chunk."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path = path
        self.rows = 0
        self._schema = schema
        self._tmp = path.with_name(path.name + ".tmp")
        self._writer = pq.ParquetWriter(self._tmp, schema, compression="zstd")

    def write(self, table: pa.Table) -> None:
        """Append rows as one row group."""
        if table.num_rows:
            self._writer.write_table(table.cast(self._schema), row_group_size=table.num_rows)
            self.rows += table.num_rows

    def close(self) -> None:
        """Write the footer and rename into place."""
        self._writer.close()
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        """Drop the unfinished file."""
        self._writer.close()
        self._tmp.unlink(missing_ok=True)


def open_writer(directory: Path, name: str, schema: pa.Schema, file_format: str) -> TableWriter:
    """A writer for `<directory>/<name>.<format>`."""
    if file_format not in FORMATS:
        raise ValueError(f"Unknown format {file_format!r}; use one of {', '.join(FORMATS)}")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.{file_format}"
    if file_format == "csv":
        return CsvTableWriter(path, schema)
    return ParquetTableWriter(path, schema)
