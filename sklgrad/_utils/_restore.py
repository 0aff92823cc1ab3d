"""The one transaction of the package: an object's attributes put back when a call fails."""

import contextlib


@contextlib.contextmanager
def restored_on_failure(obj, undo=None):
    """Run the block; if it raises (KeyboardInterrupt too: an interrupted fit is not a
    fit), put ``obj``'s attributes back as they were and call ``undo()`` (for state held
    outside them, such as a network's weights), then re-raise."""
    before = dict(obj.__dict__)
    try:
        yield
    except BaseException:
        if undo is not None:
            undo()
        obj.__dict__.clear()
        obj.__dict__.update(before)
        raise
