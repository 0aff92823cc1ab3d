"""The command line run in the test's own process (no interpreter start, no import of torch
per call): what the user sees is what ``main`` prints."""

from sklgrad._cli import main

#: A network that trains in a blink: for tests of what the command line says, not learns.
QUICK = ("--epochs", "5", "--hidden", "4", "--networks", "1", "--quiet")


def run(capsys, *args):
    """``sklgrad ARGS``: (exit status, standard output, standard error)."""
    status = main([str(a) for a in args])
    said = capsys.readouterr()
    return status, said.out, said.err


def sklgrad(*args, cwd=None):
    """``sklgrad ARGS`` run in this process, answered as ``subprocess.run`` answers: a
    CompletedProcess with the exit status and what was printed (argparse's exits
    included). What needs a process of its own (signals, threads, a closed pipe, a fresh
    interpreter) runs as one in the tests that check it."""
    import contextlib
    import io
    import os
    import subprocess

    out, err = io.StringIO(), io.StringIO()
    previous = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = main([str(a) for a in args])
            except SystemExit as exit_:
                status = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        os.chdir(previous)
    return subprocess.CompletedProcess(["sklgrad", *map(str, args)], status, out.getvalue(),
                                       err.getvalue())
