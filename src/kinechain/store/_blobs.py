"""Content-addressed file store: each content is kept once, under its SHA-256.

``files/ab/cdef….bin``. Writes go to a temporary file in the same folder and are renamed
into place only when complete, so a crash never leaves a half-written blob under a real name.
The temporary files a killed process leaves (``files/.upload-*``) are removed by
:meth:`BlobStore.sweep_temp`, which the worker calls when it starts.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path
from typing import BinaryIO

from kinechain.errors import InputError

CHUNK = 1 << 20
TEMP_PREFIX = ".upload-"


class TooLarge(InputError):
    """An upload above the size limit."""


class BlobStore:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / f"{sha256[2:]}.bin"

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put_stream(self, stream: BinaryIO, *, name: str, limit: int) -> tuple[str, int, bytes]:
        """Store ``stream``; return (sha256, size, first 512 bytes). Refuses above ``limit``."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        head = b""
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=TEMP_PREFIX)
        try:
            with os.fdopen(fd, "wb") as fh:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge(
                            name, f"file is larger than the {limit / 2**20:.0f} MB upload limit"
                        )
                    if len(head) < 512:
                        head += chunk[: 512 - len(head)]
                    digest.update(chunk)
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            sha = digest.hexdigest()
            final = self.path(sha)
            if final.is_file():
                os.unlink(tmp)
            else:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, final)
            return sha, size, head
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def put_bytes(self, data: bytes, *, name: str = "data", limit: int | None = None) -> str:
        import io

        sha, _, _ = self.put_stream(io.BytesIO(data), name=name, limit=limit or len(data) + 1)
        return sha

    def remove(self, sha256: str) -> None:
        p = self.path(sha256)
        if p.is_file():
            p.unlink()

    def sweep_temp(self, older_than_s: float = 3600) -> int:
        """Remove unfinished uploads (``.upload-*``) last written over ``older_than_s`` ago.

        They are what a process killed in the middle of :meth:`put_stream` leaves behind.
        Younger ones are kept: another process may still be writing them. Returns the number
        of files removed.
        """
        if not self.root.is_dir():
            return 0
        cutoff = time.time() - older_than_s
        removed = 0
        for entry in os.scandir(self.root):
            if not entry.name.startswith(TEMP_PREFIX):
                continue
            try:
                if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)
                    removed += 1
            except FileNotFoundError:  # finished or swept by another process meanwhile
                continue
        return removed
