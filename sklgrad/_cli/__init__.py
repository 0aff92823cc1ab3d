"""The command line: the parser, one module per subcommand, the tables and outputs they share."""

from ._main import main

__all__ = ["main"]
