"""The folder a command-line run writes into: checked before training, switched all at once.

A run writes its files into a staging folder *inside* the output folder (so every move is a
rename on one file system, whatever is mounted where), then moves the previous run's files
aside and the new ones in. If any step fails, the moves are undone: the folder holds the
previous run's files or the new run's, never a mix, and no stale file of an earlier run
stays beside a newer one. Files that sklgrad did not write are left alone: the record of a
run names each file's size and hash, and a file that is no longer the one recorded (edited,
replaced by a folder of the user's) stops the next run before anything is touched.
"""

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

#: Lists the files the last run wrote, so that the next run replaces all of them.
MANIFEST = ".sklgrad-run.json"


class OutputError(ValueError):
    """The output folder cannot be used (reported as a usage error)."""


class OutputFolder:
    """A command's ``--out`` folder.

    Parameters
    ----------
    path : str or path-like
        The folder; created when the run's files are published.
    inputs : sequence of path-like
        Files the run reads: ``path`` may not be one of them.
    """

    def __init__(self, path, inputs=()):
        self.path = Path(path)
        for source in inputs:
            if os.path.exists(source) and os.path.exists(self.path) and os.path.samefile(
                    source, self.path):
                raise OutputError(f"--out {self.path} is an input of this run; choose "
                                  "another folder")

    def check_writable(self):
        """Fail now, before training, if the run could not write its files."""
        if self.path.exists():
            if not self.path.is_dir():
                raise OutputError(f"--out {self.path} exists and is not a folder")
            self._check_previous()
            try:
                fd, probe = tempfile.mkstemp(prefix=".sklgrad-probe-", dir=self.path)
            except OSError as error:
                raise OutputError(f"cannot write into {self.path}: {error.strerror}") from None
            os.close(fd)
            os.unlink(probe)
            return
        parent = self.path.parent
        while not parent.exists():
            parent = parent.parent
        if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
            raise OutputError(f"cannot create {self.path}: {parent} is not writable")

    def publish(self, write):
        """Call ``write(folder)`` to make the run's files, then switch them in at once.

        Returns the paths of the files now in the folder.
        """
        created = not self.path.exists()
        self.path.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".sklgrad-new-", dir=self.path))
        try:
            write(staging)
            names = sorted(entry.name for entry in staging.iterdir())
            self._switch(staging, names)
            return [self.path / name for name in names]
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            if created and not any(self.path.iterdir()):
                self.path.rmdir()
            raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _record(self):
        try:
            record = json.loads((self.path / MANIFEST).read_text())
            listed = record["files"]
        except (OSError, ValueError, KeyError, TypeError):
            return [], {}
        if not isinstance(listed, list):
            return [], {}
        kept = record.get("kept", {}) if isinstance(record, dict) else {}
        return ([name for name in listed if isinstance(name, str) and "/" not in name],
                kept if isinstance(kept, dict) else {})

    def _previous_files(self):
        return self._record()[0]

    def _check_previous(self):
        """Every file the last run's record names is still the one it wrote (a file, of
        the recorded size and hash), or the run stops here naming it, touching nothing."""
        names, kept = self._record()
        for name in names:
            path = self.path / name
            if not os.path.lexists(path):
                continue
            recorded = kept.get(name)
            changed = (not path.is_file() or path.is_symlink() or (
                isinstance(recorded, dict) and _fingerprint(path) != recorded))
            if changed:
                raise OutputError(
                    f"{path} is not the file sklgrad wrote there ({_what(path)}): sklgrad "
                    "will not replace it; move it or choose another --out")

    def _switch(self, staging, names):
        self._check_previous()
        previous = set(self._previous_files())
        # A file or folder of the user's with the name of one of this run's: never
        # replaced, whatever it holds (only what the last run's manifest lists is ours).
        in_the_way = [name for name in names
                      if name not in previous and os.path.lexists(self.path / name)]
        if in_the_way:
            raise OutputError(
                f"{', '.join(str(self.path / name) for name in in_the_way)} "
                f"{'is' if len(in_the_way) == 1 else 'are'} in the way: sklgrad did not "
                "write it and will not replace it; move it or choose another --out")
        old = sorted(previous | set(names) | {MANIFEST})
        old = [name for name in old if (self.path / name).exists()]
        backup = Path(tempfile.mkdtemp(prefix=".sklgrad-old-", dir=self.path))
        moved_out, moved_in = [], []
        try:
            for name in old:
                os.replace(self.path / name, backup / name)
                moved_out.append(name)
            with open(staging / MANIFEST, "w") as handle:
                json.dump({"files": names, "kept": {
                    name: _fingerprint(staging / name) for name in names}}, handle)
            for name in [*names, MANIFEST]:
                os.replace(staging / name, self.path / name)
                moved_in.append(name)
        except BaseException:
            for name in moved_in:
                os.replace(self.path / name, staging / name)
            for name in moved_out:
                os.replace(backup / name, self.path / name)
            raise
        finally:
            shutil.rmtree(backup, ignore_errors=True)


def _fingerprint(path):
    """What the record keeps of a file: its size and SHA-256."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"size": os.path.getsize(path), "sha256": digest.hexdigest()}


def _what(path):
    if path.is_symlink():
        return "now a link"
    if path.is_dir():
        return "now a folder"
    return "changed since"
