"""The JSON schemas of the 2017 manual's ``clink.model``: ``std``, ``acc`` and ``auth``.

They are the manual's dicts, unchanged, so requests the manual accepts are
accepted here and nothing else is.
"""

from . import acc, auth, std

__all__ = ["acc", "auth", "std"]
