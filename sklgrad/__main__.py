"""`python -m sklgrad`: the command line."""

from ._cli._main import main

raise SystemExit(main())
