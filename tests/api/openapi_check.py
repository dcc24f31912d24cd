"""Checks an API response against the OpenAPI document: the path, method and status must be
described there, and the body must match the schema described for them ($refs resolved)."""

from __future__ import annotations

import re

from openapi_schema_validator import OAS31Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

URI = "urn:grants-api-openapi"


def _pointer_part(text: str) -> str:
    return text.replace("~", "~0").replace("/", "~1")


class ResponseChecker:
    def __init__(self, document: dict):
        self.document = document
        self.base = document["servers"][0]["url"]
        self.registry = Registry().with_resource(URI, DRAFT202012.create_resource(document))
        self.templates = [
            (re.compile("^" + re.sub(r"\{[^}/]+\}", "[^/]+", template) + "$"), template)
            for template in document["paths"]
        ]

    def template_for(self, path: str) -> str:
        relative = path.removeprefix(self.base)
        for pattern, template in self.templates:
            if pattern.match(relative):
                return template
        raise AssertionError(f"{path} is not described in the OpenAPI document")

    def errors(self, path: str, method: str, status: int, mimetype: str, body) -> list[str]:
        template = self.template_for(path)
        operation = self.document["paths"][template].get(method.lower())
        if operation is None:
            return [f"{method} {template} is not described"]
        response = operation["responses"].get(str(status))
        if response is None:
            return [f"{method} {template} does not describe a {status} response"]
        if mimetype not in response.get("content", {}):
            return [f"{method} {template} {status} is not described as {mimetype}"]
        pointer = "/".join(
            [
                "paths",
                _pointer_part(template),
                method.lower(),
                "responses",
                str(status),
                "content",
                _pointer_part(mimetype),
                "schema",
            ]
        )
        validator = OAS31Validator(
            {"$ref": f"{URI}#/{pointer}"}, registry=self.registry, format_checker=OAS31Validator.FORMAT_CHECKER
        )
        return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(body)]

    def check(self, response) -> None:
        request = response.request
        problems = self.errors(
            request.path, request.method, response.status_code, response.mimetype, response.get_json()
        )
        assert not problems, (
            f"{request.method} {request.path} {response.status_code} does not match the document: {problems}"
        )
