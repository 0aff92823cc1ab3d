"""The ``sklgrad`` command line's entry point: threads, dispatch, and exit statuses.

Only the standard library is imported at the top: torch, skorch and pandas are imported by
the subcommands that need them, so ``--help`` and ``--version`` answer at once.
"""

import os
import sys

from ._common import UsageError
from ._fit import fit_command
from ._paper import paper_command
from ._parser import build_parser
from ._predict import predict_command
from ._select import select_command

# Each subcommand's module imports only the standard library at its top.
COMMANDS = {"paper": paper_command, "fit": fit_command, "predict": predict_command,
            "select": select_command}

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE


def _set_threads(count):
    """Torch, OpenMP and BLAS threads for this run, before any of them is imported (each
    reads its count once); torch's too, if something imported it already."""
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(count)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(count)


def main(argv=None):
    """Entry point of the ``sklgrad`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    _set_threads(args.threads)
    try:
        return COMMANDS[args.command](args)
    except BrokenPipeError:
        # The reader of standard output went away (`sklgrad predict ... | head`): quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        # Training raises the interrupt through; nothing was published to --out.
        print(f"sklgrad {args.command}: interrupted; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (UsageError, ValueError, TypeError) as error:
        message = " ".join(str(error).split())
        print(f"sklgrad {args.command}: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:
        print(f"sklgrad {args.command}: error: {error.strerror or error}: "
              f"{error.filename or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_BAD_INPUT
