"""Marker base classes of components."""

from __future__ import annotations


class Component:
    """Marks a class as a component: created once by the injector, with its deps."""


class Primitive(Component):
    """A component that the injector never creates: add an instance with ``add_prim``.

    A primitive that has a sensible empty value (no listeners, no options) says so
    with a ``default()`` classmethod; the injector uses it when none was added, so an
    app needs no ``add_prim`` for what it does not configure.
    """


class Service(Component):
    """A component that holds reusable logic or shared resources."""


class Controller(Component):
    """A component whose ``mapper``-decorated methods become routes."""
