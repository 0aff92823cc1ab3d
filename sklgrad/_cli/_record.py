"""What a run says, held until its files are written.

A run's result lines and warnings are kept while it trains and printed once its files are
in place: a run whose output cannot be published says only why, and a reader that goes away
(``sklgrad fit ... | head -1``) cannot lose the files. Every warning is also kept with what
it is about (its kind, the columns, the counts), and every row left out with its file line,
for ``summary.json``: what the terminal showed is on record.
"""

import sys
import warnings
from contextlib import contextmanager, redirect_stdout
from io import StringIO


class RunRecord:
    """The lines, warnings and dropped rows of one command-line run."""

    def __init__(self):
        self._lines = []  # (stream name, text), in the order they were said
        self.warnings = []
        self.dropped_rows = []

    def say(self, text):
        """A result line, for standard output."""
        self._lines.append(("stdout", str(text)))

    def warn(self, kind, text, **details):
        """A warning line, for standard error, recorded as ``{"kind", "message", ...}``."""
        self._lines.append(("stderr", f"warning: {text}"))
        self.warnings.append({"kind": kind, "message": text, **details})

    def drop_rows(self, reason, lines, text):
        """Rows left out of the run (``lines``: their lines in the file, the header being
        line 1), said as ``text`` and recorded with the reason."""
        lines = [int(line) for line in lines]
        self._lines.append(("stdout", text))
        self.dropped_rows.append({"reason": reason, "count": len(lines), "lines": lines})

    def summary(self):
        """What summary.json records: every warning and every dropped row."""
        return {"warnings": self.warnings, "dropped_rows": self.dropped_rows}

    @contextmanager
    def holding(self):
        """Hold what the block prints to standard output, and record the Python warnings
        it raises (each once) as warnings of this run."""
        said = StringIO()
        with warnings.catch_warnings(record=True) as caught, redirect_stdout(said):
            warnings.simplefilter("default")
            yield self
        self._lines.extend(("stdout", line) for line in said.getvalue().splitlines())
        seen = set()
        for item in caught:
            message = " ".join(str(item.message).split())
            if message not in seen:
                seen.add(message)
                self.warn(item.category.__name__, message)

    def emit(self):
        """Print what was held, in order. A closed standard output stops the result lines
        (raising ``BrokenPipeError`` at the end, which the entry point turns into exit 141
        in silence); the warnings are still written to standard error."""
        broken = False
        for stream, text in self._lines:
            if broken and stream == "stdout":
                continue
            try:
                print(text, file=getattr(sys, stream), flush=True)
            except BrokenPipeError:
                if stream != "stdout":
                    raise
                broken = True
        self._lines = []
        if broken:
            raise BrokenPipeError
