"""Fixtures shared by every test folder.

``make_app`` comes from clink-core's own pytest plugin (``clink_core.fixtures``),
as in any project that uses clink.
"""
