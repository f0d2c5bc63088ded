"""Standard data models (``clink.model.std``)."""

from __future__ import annotations

from typing import Any

unix_time: dict[str, Any] = {"type": "number"}

objectid: dict[str, Any] = {"pattern": "^[a-fA-F0-9]{24}$", "type": "string"}

acc_name: dict[str, Any] = {"pattern": "^[a-z0-9-]{2,32}$", "type": "string"}

acc_pwd: dict[str, Any] = {"pattern": "^.{6,32}$", "type": "string"}

email: dict[str, Any] = {
    "pattern": "^[a-zA-Z0-9-._]{1,64}\\@[a-zA-Z0-9\\[]{1}[a-zA-Z0-9.-:]{1,61}[a-zA-Z0-9\\]]{1}$",
    "type": "string",
}

phone: dict[str, Any] = {
    "pattern": "^\\+[0-9]{2}\\s[0-9]{3}\\s([0-9]{3}|[0-9]{4})\\s[0-9]{4}$",
    "type": ["string", "null"],
}
