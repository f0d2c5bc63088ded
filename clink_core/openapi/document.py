"""The OpenAPI 3.1 document of an app, generated from its routes and configuration."""

from __future__ import annotations

import inspect
import re
from typing import Any

from ..error.http import STATUS_LINES
from ..mime.type import MIME_MULTIPART_FORM
from ..routing.mapper import route_doc
from ..routing.model import ModelDecoder, is_model
from ..routing.route import Route
from ..type.conf import AppConf

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["status", "status_name", "message"],
    "properties": {
        "status": {"type": "integer"},
        "status_name": {"type": "string"},
        "message": {"description": "a sentence, an object with details, or null"},
    },
}
#: RFC 9457 problem details, the error body of ``AppConf(error_format="problem")``.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri-reference"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string", "format": "uri-reference"},
        "errors": {
            "description": "the violations of a request that failed validation",
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"}, "pointer": {"type": "string"},
                    "rule": {"type": "string"}, "detail": {"type": "string"},
                },
            },
        },
        "truncated": {"type": "boolean"},
    },
}
_ERROR_REF = {"$ref": "#/components/schemas/Error"}
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_OPERATION_ID = re.compile(r"[^A-Za-z0-9_]+")
#: a file part of a form, as OpenAPI describes binary strings.
_BINARY: dict[str, Any] = {"type": "string", "format": "binary"}


def _error_content(problem: bool) -> dict[str, Any]:
    """The content of an error response: the manual's body or a problem."""
    if problem:
        return {"application/problem+json": {"schema": _PROBLEM_REF}}
    return {"application/json": {"schema": _ERROR_REF}}


def _error_response(description: str, problem: bool = False) -> dict[str, Any]:
    return {"description": description, "content": _error_content(problem)}


def _form_body(schema: Any, uploads: tuple[Any, ...]) -> tuple[Any, dict[str, Any]]:
    """The schema of a ``multipart/form-data`` body: the text fields (the route's body
    schema) and the declared files as binary strings; and the media type's ``encoding``
    (the content types a file part may have)."""
    files: dict[str, Any] = {}
    required: list[str] = []
    encoding: dict[str, Any] = {}
    for spec in uploads:
        prop: dict[str, Any] = dict(_BINARY)
        if spec.description:
            prop["description"] = spec.description
        if spec.multiple:
            prop = {"type": "array", "items": prop}
        files[spec.name] = prop
        if spec.required:
            required.append(spec.name)
        if spec.media_types:
            encoding[spec.name] = {"contentType": ", ".join(spec.media_types)}
    if not files:
        return schema if schema else {"type": "object"}, encoding
    file_schema: dict[str, Any] = {"type": "object", "properties": files}
    if required:
        file_schema["required"] = required
    if not schema:
        return file_schema, encoding
    if (isinstance(schema, dict) and "$ref" not in schema
            and schema.get("type") in ("object", None) and "allOf" not in schema):
        merged = dict(schema)
        merged["type"] = "object"
        merged["properties"] = {**schema.get("properties", {}), **files}
        if required:
            merged["required"] = [*schema.get("required", ()), *required]
        return merged, encoding
    return {"allOf": [schema, file_schema]}, encoding


def _info(conf: AppConf) -> dict[str, Any]:
    info: dict[str, Any] = {"title": conf.name, "version": str(conf.version)}
    if conf.license and conf.license != "?":
        info["license"] = {"name": conf.license}
    if conf.org_name and conf.org_name != "?":
        info["contact"] = {"name": conf.org_name}
    if conf.org_addr and conf.org_addr != "?":
        info["x-org-address"] = conf.org_addr
    return info


def _schema(schema: Any, components: dict[str, Any]) -> Any:
    """A route's schema as the document holds it: a model becomes a ``$ref`` to
    ``components/schemas`` (with the schemas it uses)."""
    if not is_model(schema):
        return schema
    ref, found = ModelDecoder(schema, "OpenAPI").schema_components()
    components.update(found)
    return ref


def _operation(route: Route, components: dict[str, Any], problem: bool = False) -> dict[str, Any]:
    doc = route_doc(route.endpoint)
    text = inspect.cleandoc(doc["doc"]) if doc["doc"] else ""
    summary, _, description = text.partition("\n")
    op: dict[str, Any] = {"operationId": _OPERATION_ID.sub("_", f"{route.method}_{doc['name']}")}
    if summary:
        op["summary"] = summary.strip()
    if description.strip():
        op["description"] = description.strip()
    params: list[dict[str, Any]] = []
    if route.template is not None:
        params += [
            {"name": p.name, "in": "path", "required": True, "schema": dict(p.converter.schema)}
            for p in route.template.params
        ]
    for name, (schema, described, required) in doc["query"].items():
        param: dict[str, Any] = {"name": name, "in": "query", "required": required}
        if described:
            param["description"] = described
        param["schema"] = schema if schema is not None else {"type": "string"}
        params.append(param)
    if params:
        op["parameters"] = params
    responses: dict[str, Any] = {}
    for status, (schema, described, links) in sorted(
        doc["responses"].items(), key=lambda item: str(item[0])
    ):
        key = str(status)
        entry: dict[str, Any] = {"description": described or STATUS_LINES.get(status, key)}
        if schema is not None:
            entry["content"] = {"application/json": {"schema": _schema(schema, components)}}
        elif key[0] in "45":  # the kernel answers errors with its error body
            entry["content"] = _error_content(problem)
        if links:
            entry["links"] = links
        responses[key] = entry
    if not any(str(s)[0] in "123" for s in doc["responses"]):
        responses["200"] = {"description": "success"}
    responses.setdefault(
        "4XX", _error_response("the request is wrong; the message says how", problem)
    )
    responses.setdefault(
        "5XX", _error_response("the server failed; the error log has details", problem)
    )
    op["responses"] = responses
    if route.req_type is not None:
        schema = _schema(doc["body"], components) if doc["body"] is not None else {}
        media: dict[str, Any] = {"schema": schema}
        if route.req_type == MIME_MULTIPART_FORM:
            from ..http.form import uploads_of

            media["schema"], encoding = _form_body(schema, uploads_of(route.endpoint))
            if encoding:
                media["encoding"] = encoding
        op["requestBody"] = {"required": True, "content": {route.req_type: media}}
    if doc["security"]:
        op["security"] = [{name: []} for name in doc["security"]]
    return op


def _merge(op: dict[str, Any], other: dict[str, Any]) -> None:
    """Fold ``other`` (same path and method, another request media type) into ``op``."""
    if "requestBody" in other:
        body = op.setdefault("requestBody", {"required": True, "content": {}})
        for media_type, entry in other["requestBody"]["content"].items():
            body["content"].setdefault(media_type, entry)
    for status, entry in other["responses"].items():
        op["responses"].setdefault(status, entry)
    if "security" in other and "security" not in op:
        op["security"] = other["security"]
    if "parameters" in other and "parameters" not in op:
        op["parameters"] = other["parameters"]


def build_document(conf: AppConf, routes: list[Route]) -> dict[str, Any]:
    """The OpenAPI 3.1 document for ``routes`` (HEAD and automatic OPTIONS are implied)."""
    paths: dict[str, dict[str, Any]] = {}
    schemes: set[str] = set()
    problem = conf.error_format == "problem"
    schemas: dict[str, Any] = {"Problem": PROBLEM_SCHEMA} if problem else {"Error": ERROR_SCHEMA}
    for route in sorted(routes, key=lambda r: (r.path, r.method)):
        if route.method == "HEAD":
            continue
        op = _operation(route, schemas, problem)
        for requirement in op.get("security", ()):
            schemes.update(requirement)
        path = route.path if route.template is None else route.template.openapi_path
        item = paths.setdefault(path, {})
        same = item.get(route.method.lower())
        if same is None:
            item[route.method.lower()] = op
        else:  # one operation, several request media types (JSON and a form, say)
            _merge(same, op)
    components: dict[str, Any] = {"schemas": schemas}
    if schemes:
        components["securitySchemes"] = {
            name: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            if name == "bearer"
            else {"type": "http", "scheme": name}
            for name in sorted(schemes)
        }
    return {
        "openapi": "3.1.0",
        "info": _info(conf),
        "paths": paths,
        "components": components,
    }
