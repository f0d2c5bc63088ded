"""Errors of plugins and of the pipeline's assembly."""

from __future__ import annotations


class PipelineError(Exception):
    """A handler or hook implementation cannot take part in the pipeline."""


class PluginNameError(PipelineError, LookupError):
    """A plugin given by name names no installed plugin, or several."""


class PluginLoadError(ImportError):
    """A plugin named by an entry point or by ``App(plugins=...)`` failed to import."""

    def __init__(self, name: str, target: str, cause: BaseException) -> None:
        self.plugin_name = name
        self.target = target
        self.cause = cause
        super().__init__(
            f"clink plugin {name!r} ({target}) failed to load: {type(cause).__name__}: {cause}. "
            "Fix or uninstall it, or leave it out of the app's plugins"
        )
