"""pluggy markers of the ``clink`` project: ``hookimpl`` for plugins, ``hookspec`` for us."""

import pluggy

PROJECT = "clink"

#: Marks a plugin function as an implementation of a Clink hook.
hookimpl = pluggy.HookimplMarker(PROJECT)
hookspec = pluggy.HookspecMarker(PROJECT)
