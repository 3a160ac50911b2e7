"""Pausing Python's cyclic garbage collector around work that makes millions of objects and
no reference cycles (loading a large catalogue, running a model, summarising its metrics):
the collector would otherwise walk everything in memory again and again, finding nothing."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """No automatic cyclic garbage collection for the duration (``gc.collect`` still works);
    the collector is on again afterwards if it was on before."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
