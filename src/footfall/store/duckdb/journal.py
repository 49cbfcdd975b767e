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
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

import pyarrow as pa

SEQ_COLUMN = "_journal_seq"


class Journal:
    def __init__(self, directory: Path, schema: pa.Schema) -> None:
        self._dir = directory
        self._dir.mkdir(parents=True, exist_ok=True)
        self._schema = schema.append(pa.field(SEQ_COLUMN, pa.int64()))
        self._lock = threading.Lock()
        self._seq = 0
        self._segment: Path | None = None
        self._file: pa.NativeFile | None = None
        self._writer: pa.ipc.RecordBatchStreamWriter | None = None

    def _segments(self) -> list[Path]:
        return sorted(self._dir.glob("*.arrow"))

    def recover(self, applied: int) -> list[tuple[int, pa.Table]]:
        """Batches with a sequence number above ``applied``, in order, from disk."""
        found: list[tuple[int, pa.Table]] = []
        for path in self._segments():
            try:
                reader = pa.ipc.open_stream(pa.memory_map(str(path)))
                for batch in reader:
                    seq = batch.column(SEQ_COLUMN)[0].as_py()
                    self._seq = max(self._seq, seq)
                    if seq > applied:
                        found.append(
                            (seq, pa.Table.from_batches([batch.drop_columns([SEQ_COLUMN])]))
                        )
            except (pa.ArrowInvalid, OSError):
                continue  # a torn tail: the batch was never acknowledged
        self._seq = max(self._seq, applied)
        return found

    def append(self, table: pa.Table) -> int:
        """Write ``table`` durably and return its sequence number, or raise OSError
        having written nothing that recovery would read."""
        with self._lock:
            seq = self._seq + 1
            seq_col = pa.array([seq] * table.num_rows, pa.int64())
            try:
                if self._writer is None:
                    self._open_segment(seq)
                assert self._writer is not None
                assert self._file is not None
                start = self._file.tell()
                try:
                    self._writer.write_table(table.append_column(SEQ_COLUMN, seq_col))
                    self._file.flush()
                    os.fsync(self._file.fileno())
                except BaseException:
                    # Shrinking a file needs no free space: cut the torn batch off.
                    with contextlib.suppress(OSError):
                        os.ftruncate(self._file.fileno(), start)
                        os.fsync(self._file.fileno())
                    raise
            except BaseException:
                self._abandon()
                raise
            self._seq = seq
            return seq

    def _open_segment(self, seq: int) -> None:
        self._segment = self._dir / f"{seq:016d}.arrow"
        self._file = pa.OSFile(str(self._segment), "wb")
        self._writer = pa.ipc.new_stream(self._file, self._schema)

    def _abandon(self) -> None:
        """Close the current segment, whatever state a failed write left it in."""
        writer, file = self._writer, self._file
        self._writer = self._file = None
        for closable in (writer, file):
            if closable is not None:
                with contextlib.suppress(OSError, pa.ArrowException):
                    closable.close()

    def rotate(self) -> list[Path]:
        """Close the current segment; return every closed segment (safe to delete once
        all batches up to ``last_seq`` are applied)."""
        with self._lock:
            self._abandon()  # an end-of-stream marker that cannot be written is no loss
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
