"""Small helpers any layer may use: parameter checks, routing, target kinds, groups, docstrings."""
