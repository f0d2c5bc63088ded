"""The ``clink`` command line."""

from .main import build_parser, main
from .target import TargetError, load_target

__all__ = ["TargetError", "build_parser", "load_target", "main"]
