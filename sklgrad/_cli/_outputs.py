"""The folder a command-line run writes into: checked before training, switched all at once.

A run writes its files into a staging folder *inside* the output folder (so every move is a
rename on one file system, whatever is mounted where), then moves the previous run's files
aside and the new ones in. If any step fails, the moves are undone: the folder holds the
previous run's files or the new run's, never a mix, and no stale file of an earlier run
stays beside a newer one. Files that sklgrad did not write are left alone.
"""

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

    def _previous_files(self):
        try:
            listed = json.loads((self.path / MANIFEST).read_text())["files"]
        except (OSError, ValueError, KeyError, TypeError):
            listed = []
        return [name for name in listed if isinstance(name, str) and "/" not in name]

    def _switch(self, staging, names):
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
                json.dump({"files": names}, handle)
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
