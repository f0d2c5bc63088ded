"""Interfaces: pipeline handlers and WSGI."""

from .pipe import (
    ILv0Handler,
    ILv1Handler,
    ILv2Handler,
    ILv3Handler,
    ILv4Handler,
    ILv5Handler,
    ILv6Handler,
    ILv7Handler,
    ILv8Handler,
    ILv9Handler,
    IPipeHandler,
)
from .wsgi import IWsgi

__all__ = [
    "ILv0Handler",
    "ILv1Handler",
    "ILv2Handler",
    "ILv3Handler",
    "ILv4Handler",
    "ILv5Handler",
    "ILv6Handler",
    "ILv7Handler",
    "ILv8Handler",
    "ILv9Handler",
    "IPipeHandler",
    "IWsgi",
]
