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
