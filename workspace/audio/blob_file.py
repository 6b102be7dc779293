"""A stored blob as a read-only, seekable binary file, for libraries that want a file object.

libsndfile (through ``soundfile``) reads a stored recording through it and decrypts only the
~1 MiB chunks it touches; the last chunk read is kept, so a sequential decode opens each chunk
once. A chunk that fails its integrity check is never returned: the read ends there (as at the
end of the file) and the error is kept in :attr:`BlobFile.error`, because an exception raised
inside libsndfile's read callback would be printed and lost, not propagated.
"""

from __future__ import annotations

import io
import os

from storage.blobs import BlobReader
from storage.errors import StorageError


class BlobFile(io.RawIOBase):
    """Read-only, seekable view of one stored blob (see the module docstring)."""

    def __init__(self, reader: BlobReader) -> None:
        super().__init__()
        self._reader = reader
        self._position = 0
        self._chunk_index = -1
        self._chunk = memoryview(b"")
        self.error: StorageError | None = None

    @property
    def size(self) -> int:
        """Length of the blob's plain content, in bytes."""
        return self._reader.size

    def readable(self) -> bool:
        """Always true."""
        return True

    def seekable(self) -> bool:
        """Always true."""
        return True

    def tell(self) -> int:
        """The current position."""
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        """Move to ``offset`` from the start, the current position or the end."""
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self.size}[whence]
        target = base + offset
        if target < 0:
            raise ValueError(f"negative seek position {target}")
        self._position = target
        return target

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        """Fill ``buffer`` from the current position; fewer bytes at the end or after an error."""
        view = memoryview(buffer).cast("B")
        done = 0
        while done < len(view) and self._position < self.size and self.error is None:
            chunk_size = self._reader.chunk_size
            index, skip = divmod(self._position, chunk_size)
            if index != self._chunk_index:
                try:
                    self._chunk = memoryview(self._reader.read_chunk(index))
                except StorageError as exc:
                    self.error = exc
                    break
                self._chunk_index = index
            piece = self._chunk[skip : skip + len(view) - done]
            view[done : done + len(piece)] = piece
            done += len(piece)
            self._position += len(piece)
        return done

    def close(self) -> None:
        """Close the blob reader."""
        if not self.closed:
            self._reader.close()
        super().close()
