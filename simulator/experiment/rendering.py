"""A registry of renderers, so that results can offer ``table()`` or ``_repr_html_()`` in a
notebook without the experiment layer importing the reporting layer above it.

Results are plain data. The reporting layer registers, when it is imported, one function
per (result class, kind) — ``"table"``, ``"json"``, ``"csv"``, and later ``"html"`` or
``"frame"`` — and a result's convenience methods look their renderer up here.
``simulator.run`` and ``simulator.compare`` import the reporting layer, so results they
return can always render themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Renderer = Callable[..., Any]
"""Called as ``renderer(result, **options)``; returns text (or a richer object)."""

_RENDERERS: dict[tuple[str, str], Renderer] = {}
"""By (the class's dotted name, kind): a class named by its name need not be imported."""


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def register_renderer(cls: type | str, kind: str, renderer: Renderer) -> None:
    """Make ``renderer`` the way to show a ``cls`` (or a subclass) as ``kind``; ``cls`` may
    be given by its dotted name (``"simulator.experiment.trace.TraceResult"``), so that
    registering does not import it."""
    if not kind:
        raise ValueError("a renderer needs a kind, got ''")
    _RENDERERS[(cls if isinstance(cls, str) else _name(cls), kind)] = renderer


def find_renderer(obj: object, kind: str) -> Renderer | None:
    """The renderer registered for ``obj``'s class (or the nearest base class) and ``kind``."""
    for cls in type(obj).__mro__:
        renderer = _RENDERERS.get((_name(cls), kind))
        if renderer is not None:
            return renderer
    return None


def render(obj: object, kind: str, **options: Any) -> Any:
    """``obj`` rendered as ``kind``; a RuntimeError saying what to import when nothing is
    registered (the reporting layer registers every renderer when imported)."""
    renderer = find_renderer(obj, kind)
    if renderer is None:
        raise RuntimeError(
            f"no {kind!r} renderer for {type(obj).__name__}: import simulator.reporting "
            f"first (simulator.run and simulator.compare do)"
        )
    return renderer(obj, **options)
