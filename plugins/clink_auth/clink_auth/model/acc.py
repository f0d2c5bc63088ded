"""Models of account management (``clink.model.acc``)."""

from __future__ import annotations

from typing import Any

from .std import acc_name, acc_pwd, email, objectid, phone, unix_time

confirm_code: dict[str, Any] = {"pattern": "^([a-zA-Z]{4}-){3}[a-zA-Z]{4}$", "type": "string"}

get_me_body: dict[str, Any] = {
    "required": ["_id", "name", "email", "phone", "created_date", "modified_date", "last_action"],
    "type": "object",
    "properties": {
        "email": email,
        "name": acc_name,
        "created_date": unix_time,
        "modified_date": unix_time,
        "last_action": {"type": "string"},
        "_id": objectid,
        "phone": phone,
    },
}

post_reg_code_body: dict[str, Any] = {
    "required": ["name", "email", "pwd"],
    "type": "object",
    "properties": {"email": email, "name": acc_name, "pwd": acc_pwd, "phone": phone},
}

post_reg: dict[str, Any] = {
    "required": ["code"],
    "type": "object",
    "properties": {"code": confirm_code},
}

put_pwd: dict[str, Any] = {
    "required": ["old_pwd", "new_pwd"],
    "type": "object",
    "properties": {"old_pwd": acc_pwd, "new_pwd": acc_pwd},
}

post_rpwd_code: dict[str, Any] = {
    "required": ["email"],
    "type": "object",
    "properties": {"email": email},
}

post_rpwd: dict[str, Any] = {
    "required": ["code", "new_pwd"],
    "type": "object",
    "properties": {"code": confirm_code, "new_pwd": acc_pwd},
}
