"""Output folders that hold one whole run or nothing new: checked before the run, filled beside, swapped in as one step.

A run's files are written into a staging folder ``.<name>.partial-<random>`` next to the target, which is created
before the simulation starts (so an unwritable ``--out`` fails at once). When every file is written, the staging
folder and the target are exchanged in one ``renameat2(RENAME_EXCHANGE)`` call on Linux (a rename pair elsewhere,
repaired on the next run), and the earlier run is deleted. Whatever happens before that step (an error, Ctrl-C, a
kill), the target still holds the earlier complete run; staging folders left by a killed run are removed by the
next run into the same target.

An existing target is replaced only when it is empty or holds an earlier run of this tool and nothing else (the files
its ``manifest.json`` lists, or for manifests older than the file list the tool's own file names); any other folder,
a symbolic link, and the current folder or one holding it are refused, so a mistyped ``--out`` never deletes a user's
files. Files put into the target while a run is under way are replaced with it.
"""

from __future__ import annotations

import ctypes
import errno
import glob
import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from market.parameters.schema import ParamError

PACKAGE = "ai-compute-market"
MANIFEST = "manifest.json"
RUN_FILES = frozenset({"model.parquet", "agents.parquet", "events.parquet", "edges.parquet", "model.csv", "agents.csv",
                       "events.csv", "edges.csv", "network.graphml", "summary.png", MANIFEST})
AT_FDCWD = -100
RENAME_EXCHANGE = 2


def sha256_of(path: Path) -> str:
    """The sha256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def exchange_paths(first: Path, second: Path) -> bool:
    """Swap two existing paths atomically with Linux ``renameat2(RENAME_EXCHANGE)``; False where it is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError, TypeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def find_file_in_the_way(path: Path) -> Path | None:
    """The nearest of ``path`` and its parents that exists and is not a folder (so no folder can be made there), or None."""
    return next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), None)


def list_foreign_entries(folder: Path) -> list[str]:
    """What in ``folder`` is not part of an earlier run of this tool (its manifest and the files it lists), sorted; empty
    when the folder is empty or holds such a run and nothing else (every entry, when it holds no run's manifest)."""
    entries = sorted(p.name for p in folder.iterdir())
    if not entries:
        return []
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return entries
    if not isinstance(manifest, dict) or manifest.get("package") != PACKAGE:
        return entries
    listed = manifest.get("files")
    known = set(listed) | {MANIFEST} if isinstance(listed, dict) else RUN_FILES
    return [name for name in entries
            if name not in known or not (folder / name).is_file() or (folder / name).is_symlink()]


def is_earlier_run(folder: Path) -> bool:
    """Whether ``folder`` is empty or holds only an earlier run of this tool (its manifest and the files it lists)."""
    return not list_foreign_entries(folder)


class OutputFolder:
    """The target folder of one run and the staging folder its files are written into.

    Args:
        target: The folder the run's files end up in (``--out``).
    """

    def __init__(self, target: Path) -> None:
        self.target = Path(os.path.abspath(target))
        self.staging: Path | None = None

    def _refuse(self, reason: str) -> ParamError:
        return ParamError(f"--out = '{self.target}' is not allowed: {reason}")

    def prepare(self) -> Path:
        """Check the target, remove what a killed run left beside it, create the staging folder; return it.

        Raises:
            ParamError: one line when the target cannot take the run's files.
        """
        target = self.target
        if target.parent == target:
            raise self._refuse("expected a folder below the file-system root")
        if target.is_symlink():
            raise self._refuse("expected a folder, not a symbolic link (give the folder it points to)")
        here = Path.cwd().resolve()
        if target.resolve() == here or target.resolve() in here.parents:
            raise self._refuse("expected a folder other than the current one or one holding it")
        if target.exists() and not target.is_dir():
            raise self._refuse("expected a folder, and it is a file")
        blocking = find_file_in_the_way(target.parent)
        if blocking is not None:
            raise self._refuse(f"expected a folder, and '{blocking}' is a file")
        foreign = list_foreign_entries(target) if target.is_dir() else []
        if foreign:
            shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
            raise self._refuse(f"expected a new or empty folder or one holding an earlier run (it holds other files: {shown})")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._remove_leftovers()
            self.staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.partial-"))
        except OSError as exc:
            raise self._refuse(f"expected a folder that can be written ({exc.strerror or exc})") from None
        return self.staging

    def _remove_leftovers(self) -> None:
        """Restore an earlier run a rename pair left aside, and delete staging folders of killed runs."""
        parent, name = self.target.parent, glob.escape(self.target.name)
        for retired in sorted(parent.glob(f".{name}.retired-*")):
            if not self.target.exists():
                os.rename(retired, self.target)
            else:
                shutil.rmtree(retired, ignore_errors=True)
        for partial in parent.glob(f".{name}.partial-*"):
            shutil.rmtree(partial, ignore_errors=True)

    def commit(self) -> list[Path]:
        """Swap the filled staging folder in for the target in one step; return the target's files."""
        if self.staging is None:
            raise RuntimeError("commit() before prepare()")
        staging, target = self.staging, self.target
        if not target.exists():
            os.rename(staging, target)
        elif exchange_paths(staging, target):
            shutil.rmtree(staging, ignore_errors=True)
        else:
            retired = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.retired-"))
            os.rmdir(retired)
            os.rename(target, retired)
            try:
                os.rename(staging, target)
            except OSError:
                os.rename(retired, target)
                raise
            shutil.rmtree(retired, ignore_errors=True)
        self.staging = None
        return sorted(target.iterdir())

    def discard(self) -> None:
        """Delete the staging folder (the target keeps the earlier run)."""
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None
