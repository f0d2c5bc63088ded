"""Models of authentication (``clink.model.auth``)."""

from __future__ import annotations

from typing import Any

from .std import acc_name, acc_pwd

post_token_pwd: dict[str, Any] = {
    "required": ["grant_type", "username", "password"],
    "type": "object",
    "properties": {
        "username": acc_name,
        "password": acc_pwd,
        "grant_type": {"pattern": "^password$", "type": "string"},
    },
}

post_token_rtoken: dict[str, Any] = {
    "required": ["grant_type", "refresh_token"],
    "type": "object",
    "properties": {
        "grant_type": {"pattern": "^refresh_token$", "type": "string"},
        "refresh_token": {"type": "string"},
    },
}

res_bearer_token: dict[str, Any] = {
    "required": ["token_type", "expires_in", "access_token", "refresh_token"],
    "type": "object",
    "properties": {
        "expires_in": {"type": "number"},
        "token_type": {"pattern": "Bearer", "type": "string"},
        "access_token": {"type": "string"},
        "refresh_token": {"type": "string"},
    },
}
