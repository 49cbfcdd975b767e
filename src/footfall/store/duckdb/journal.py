"""An append-only, fsynced journal of Arrow record batches: the embedded store's
commit point for events.

A DuckDB insert costs about 6 ms of CPU however few rows it carries (per-statement
and per-column overhead, then the WAL fsync), which capped single-event ingest at a
few hundred commits a second. Appending the batch to an Arrow IPC stream and fsyncing
it costs ~0.2 ms of CPU, so the write buffer commits here; the store moves journaled
batches into its table in large transactions in the background (and before every
read), recording the last applied sequence number in the same transaction. After a
crash, ``recover`` returns the batches not yet applied, and a torn final batch (never
acknowledged: its fsync had not returned) is ignored.

A failed append (a full disk, an I/O error) truncates the segment back to where the
batch began and abandons it, so the next append starts a new segment: a torn batch can
only ever be the tail of a segment, and no later, acknowledged batch sits behind one
(recovery stops reading a segment at its first unreadable batch).

A segment is one Arrow IPC stream, as pyarrow's stream writer wrote it before arro3
replaced pyarrow (segments journaled before an upgrade are applied after it): the
schema message, one message per record batch, and an optional end-of-stream marker
(pyarrow wrote one at a rotation; none is written now: a reader stops at the end of
the file too). arro3-io writes whole streams only, so each batch is written as a
stream of its own into memory and its record batch message (the bytes between the
schema message and the end marker) appended to the segment.
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
from pathlib import Path

from arro3.core import Array, DataType, Field, RecordBatch, Schema, Table
from arro3.io import read_ipc_stream, write_ipc_stream

SEQ_COLUMN = "_journal_seq"
_END = b"\xff\xff\xff\xff\x00\x00\x00\x00"  # the end-of-stream marker


def _stream(table: Table | RecordBatch) -> bytes:
    sink = io.BytesIO()
    write_ipc_stream(table, sink)
    return sink.getvalue()


class Journal:
    def __init__(self, directory: Path, schema: Schema) -> None:
        self._dir = directory
        self._dir.mkdir(parents=True, exist_ok=True)
        self._seq_field = Field(SEQ_COLUMN, DataType.int64(), nullable=True)
        self._schema = schema.append(self._seq_field)
        empty = _stream(Table.from_batches([], schema=self._schema))
        if not empty.endswith(_END):
            raise AssertionError("an Arrow IPC stream without its end-of-stream marker")
        self._head = empty.removesuffix(_END)  # the schema message
        self._lock = threading.Lock()
        self._seq = 0
        self._segment: Path | None = None
        self._fd: int | None = None

    def _segments(self) -> list[Path]:
        return sorted(self._dir.glob("*.arrow"))

    def recover(self, applied: int) -> list[tuple[int, Table]]:
        """Batches with a sequence number above ``applied``, in order, from disk."""
        found: list[tuple[int, Table]] = []
        for path in self._segments():
            try:
                for batch in read_ipc_stream(path):
                    seq = batch.column(SEQ_COLUMN)[0].as_py()
                    self._seq = max(self._seq, seq)
                    if seq > applied:
                        table = Table.from_batches([batch]).drop_columns([SEQ_COLUMN])
                        found.append((seq, table))
            except Exception:  # noqa: S112 (arro3 raises a bare Exception for a torn batch)
                continue  # a torn tail: the batch was never acknowledged
        self._seq = max(self._seq, applied)
        return found

    def _message(self, table: Table | RecordBatch, seq: int) -> bytes:
        """The record batch message of ``table`` with its sequence number column."""
        seq_col = Array([seq] * table.num_rows, DataType.int64())
        if isinstance(table, Table) and len(table.chunk_lengths) > 1:
            table = table.combine_chunks()
        stream = _stream(table.append_column(self._seq_field, seq_col))
        # The same schema message as the segment's: the batch has the journal's schema.
        if not (stream.startswith(self._head) and stream.endswith(_END)):
            raise ValueError("the batch does not have the journal's schema")
        return stream[len(self._head) : -len(_END)]

    def append(self, table: Table | RecordBatch) -> int:
        """Write ``table`` durably and return its sequence number, or raise OSError
        having written nothing that recovery would read."""
        with self._lock:
            seq = self._seq + 1
            message = self._message(table, seq)
            try:
                if self._fd is None:
                    self._open_segment(seq)
                assert self._fd is not None
                fd = self._fd
                start = os.lseek(fd, 0, os.SEEK_CUR)
                try:
                    view = memoryview(message)
                    while view:
                        view = view[os.write(fd, view) :]
                    os.fsync(fd)
                except BaseException:
                    # Shrinking a file needs no free space: cut the torn batch off.
                    with contextlib.suppress(OSError):
                        os.ftruncate(fd, start)
                        os.fsync(fd)
                    raise
            except BaseException:
                self._abandon()
                raise
            self._seq = seq
            return seq

    def _open_segment(self, seq: int) -> None:
        self._segment = self._dir / f"{seq:016d}.arrow"
        fd = os.open(self._segment, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            view = memoryview(self._head)
            while view:
                view = view[os.write(fd, view) :]
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def _abandon(self) -> None:
        """Close the current segment, whatever state a failed write left it in (no
        end-of-stream marker: a reader stops at the end of the file as well)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)

    def rotate(self) -> list[Path]:
        """Close the current segment; return every closed segment (safe to delete once
        all batches up to ``last_seq`` are applied)."""
        with self._lock:
            self._abandon()
            return self._segments()

    def has_room(self, size: int = 1 << 16) -> bool:
        """Whether a write of ``size`` bytes would reach the disk now (after a failed
        append, to tell when ingest can succeed again without risking a batch)."""
        probe = self._dir / ".probe"
        try:
            with probe.open("wb") as f:
                f.write(b"\0" * size)
                f.flush()
                os.fsync(f.fileno())
            return True
        except OSError:
            return False
        finally:
            with contextlib.suppress(OSError):
                probe.unlink()

    def free_bytes(self) -> int:
        """Space left for the journal on its filesystem (for root too: root's reserve
        is not the journal's to spend)."""
        try:
            stat = os.statvfs(self._dir)
        except OSError:
            return 0
        return stat.f_bavail * stat.f_frsize

    @property
    def last_seq(self) -> int:
        return self._seq

    def close(self) -> None:
        self.rotate()
