"""The OpenAPI 3.1 description of /api/v1: exactly what the views return."""

from __future__ import annotations

import copy
from typing import Any

from lms.api import AUTHENTICATE, ERRORS
from lms.api.operations import (CURSOR_PATTERN, DATE_TIME_PATTERN, DEFAULT_LIMIT, MAX_LIMIT, TOKEN_PREFIX)

VERSION = "1.0.0"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    nullable = dict(schema)
    nullable["type"] = [schema["type"], "null"]
    return nullable


DATE_TIME = {"type": "string", "format": "date-time", "description": "UTC, ISO 8601, like 2026-03-01T08:30:00Z."}
DATE = {"type": "string", "format": "date", "description": "A calendar day in Norway, like 2026-03-01."}
NAME = {"type": "string", "maxLength": 200}
SLUG = {"type": "string", "description": "The course's stable identifier.", "examples": ["hms-for-ledere"]}
ID = {"type": "integer", "minimum": 1}
CERTIFICATE_STATUS = {
    "type": "string", "enum": ["valid", "revoked", "replaced", "expired"],
    "description": "valid; revoked by the issuer; replaced by a reissued certificate (a corrected name); "
                   "expired (past valid_until).",
}


def _page_of(item: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": f"A page of {item} objects, ordered by id.",
        "required": ["data", "next_cursor"],
        "additionalProperties": False,
        "properties": {
            "data": {"type": "array", "items": _ref(item), "maxItems": MAX_LIMIT},
            "next_cursor": {
                "type": ["string", "null"], "pattern": CURSOR_PATTERN,
                "description": "Pass as `cursor` to get the next page; null on the last page.",
            },
        },
    }


SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "additionalProperties": False,
                "properties": {
                    "code": {
                        "type": "string",
                        "description": "Stable, machine-readable: " + ", ".join(
                            sorted({code for code, _message in ERRORS.values()}
                                   | {"invalid_token", "invalid_limit", "invalid_cursor", "invalid_timestamp"})) + ".",
                        "examples": ["invalid_token"],
                    },
                    "message": {"type": "string", "description": "For people reading logs; may change."},
                },
            },
        },
    },
    "Employee": {
        "type": "object",
        "description": "A person holding at least one seat of the organization's licenses.",
        "required": ["id", "name", "email", "courses_count", "completed_count"],
        "additionalProperties": False,
        "properties": {
            "id": {**ID, "description": "The person's user id (employee_id elsewhere)."},
            "name": NAME,
            "email": {"type": "string", "maxLength": 320},
            "courses_count": {"type": "integer", "minimum": 1,
                              "description": "Courses the person holds a seat for."},
            "completed_count": {"type": "integer", "minimum": 0,
                                "description": "Of those, the courses completed."},
        },
    },
    "Enrollment": {
        "type": "object",
        "description": "A person's enrollment in a course through a seat of the organization.",
        "required": ["id", "employee_id", "employee_name", "employee_email", "course", "course_title", "status",
                     "enrolled_at", "started_at", "completed_at", "updated_at", "learning_minutes",
                     "certificate_serial"],
        "additionalProperties": False,
        "properties": {
            "id": ID,
            "employee_id": ID,
            "employee_name": NAME,
            "employee_email": {"type": "string", "maxLength": 320},
            "course": SLUG,
            "course_title": {"type": "string", "description": "In Norwegian (bokmål)."},
            "status": {"type": "string", "enum": ["not_started", "started", "completed"]},
            "enrolled_at": DATE_TIME,
            "started_at": _nullable(DATE_TIME),
            "completed_at": _nullable(DATE_TIME),
            "updated_at": {**DATE_TIME, "description": "The latest of enrolled_at, started_at, completed_at and "
                                                      "the last learning activity: what updated_since filters on."},
            "learning_minutes": {"type": "integer", "minimum": 0,
                                 "description": "Time spent learning, measured on the server."},
            "certificate_serial": {"type": ["string", "null"],
                                   "description": "The current, unrevoked certificate's serial number."},
        },
    },
    "Certificate": {
        "type": "object",
        "description": "A course certificate (kursbevis) earned on a seat of the organization.",
        "required": ["serial", "employee_id", "employee_name", "course", "course_title", "completed_on",
                     "valid_until", "status", "verification_url"],
        "additionalProperties": False,
        "properties": {
            "serial": {"type": "string", "examples": ["HMS-2026-000042"]},
            "employee_id": {**_nullable(ID), "description": "Null if the person's account has been deleted."},
            "employee_name": {**NAME, "description": "The name as printed on the certificate."},
            "course": SLUG,
            "course_title": {"type": "string", "description": "In Norwegian (bokmål)."},
            "completed_on": DATE,
            "valid_until": _nullable(DATE),
            "status": CERTIFICATE_STATUS,
            "verification_url": {"type": "string", "format": "uri",
                                 "description": "The public page the certificate's QR code points to."},
        },
    },
    "Verification": {
        "type": "object",
        "required": ["status", "serial", "participant_name", "course_title", "completed_on", "valid_until", "issuer"],
        "additionalProperties": False,
        "properties": {
            "status": CERTIFICATE_STATUS,
            "serial": {"type": "string"},
            "participant_name": NAME,
            "course_title": {"type": "string", "description": "In Norwegian (bokmål)."},
            "completed_on": DATE,
            "valid_until": _nullable(DATE),
            "issuer": {"type": "string", "description": "The course provider that issued the certificate."},
        },
    },
    "EmployeePage": _page_of("Employee"),
    "EnrollmentPage": _page_of("Enrollment"),
    "CertificatePage": _page_of("Certificate"),
}


def _error_response(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description,
                                "content": {"application/json": {"schema": _ref("Error")}}}
    if headers:
        response["headers"] = headers
    return response


RESPONSES: dict[str, Any] = {
    "Unauthorized": _error_response(
        "No token, or a token that is unknown or revoked (codes unauthorized, invalid_token).",
        {"WWW-Authenticate": {"required": True, "schema": {"type": "string", "examples": [AUTHENTICATE]}}}),
    "NotFound": _error_response("Nothing at this address (code not_found)."),
    "InvalidParameter": _error_response(
        "A query parameter is malformed (codes invalid_limit, invalid_cursor, invalid_timestamp)."),
    "RateLimited": _error_response(
        "Too many requests for this token, or from this address without a token (code rate_limited).",
        {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "string"}}}),
}

PARAMETERS: dict[str, Any] = {
    "limit": {
        "name": "limit", "in": "query", "required": False,
        "description": f"Objects per page, {DEFAULT_LIMIT} unless given.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    },
    "cursor": {
        "name": "cursor", "in": "query", "required": False,
        "description": "Opaque: the next_cursor of the previous page. Leave out for the first page.",
        "schema": {"type": "string", "pattern": CURSOR_PATTERN},
    },
    "updated_since": {
        "name": "updated_since", "in": "query", "required": False,
        "description": "Only enrollments whose updated_at is at or after this moment: RFC 3339 (ISO 8601) with a "
                       "time zone, like 2026-01-01T00:00:00Z or 2026-01-01T01:00:00+01:00.",
        "schema": {"type": "string", "format": "date-time", "pattern": DATE_TIME_PATTERN},
    },
    "code": {
        "name": "code", "in": "path", "required": True,
        "description": "The verification code printed on the certificate (groups of four, hyphens optional).",
        "schema": {"type": "string", "minLength": 1, "maxLength": 64}, "examples": {
            "printed": {"value": "7K3M-Q9TX-2HVB-WD4R-8N5P"}},
    },
}


def _list_operation(operation_id: str, summary: str, page: str, extra: list[str] = ()) -> dict[str, Any]:
    parameters = [{"$ref": "#/components/parameters/" + name} for name in ("limit", "cursor", *extra)]
    return {"get": {
        "operationId": operation_id,
        "summary": summary,
        "parameters": parameters,
        "responses": {
            "200": {"description": "A page.", "content": {"application/json": {"schema": _ref(page)}}},
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "422": {"$ref": "#/components/responses/InvalidParameter"},
            "429": {"$ref": "#/components/responses/RateLimited"},
        },
    }}


PATHS: dict[str, Any] = {
    "/employees": _list_operation(
        "listEmployees", "People holding seats of the organization's licenses", "EmployeePage"),
    "/enrollments": _list_operation(
        "listEnrollments", "Enrollments through the organization's seats", "EnrollmentPage", ["updated_since"]),
    "/certificates": _list_operation(
        "listCertificates", "Current certificates earned on the organization's seats", "CertificatePage"),
    "/verify/{code}": {"get": {
        "operationId": "verifyCertificate",
        "summary": "Verify a certificate from its code (public, no token)",
        "security": [],
        "parameters": [{"$ref": "#/components/parameters/code"}],
        "responses": {
            "200": {"description": "The certificate exists.",
                    "content": {"application/json": {"schema": _ref("Verification")}}},
            "404": {"$ref": "#/components/responses/NotFound"},
            "429": {"$ref": "#/components/responses/RateLimited"},
        },
    }},
    "/openapi.json": {"get": {
        "operationId": "getOpenApiDocument",
        "summary": "This document",
        "security": [],
        "responses": {
            "200": {"description": "The OpenAPI 3.1 document.",
                    "content": {"application/json": {"schema": {"type": "object", "required": ["openapi"]}}}},
            "429": {"$ref": "#/components/responses/RateLimited"},
        },
    }},
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "HMS course platform API for HR systems",
        "version": VERSION,
        "description": (
            "Read-only access to one organization's employees, enrollments and certificates. A manager of the "
            f"organization creates a token (it starts with `{TOKEN_PREFIX}`) under Company settings → API for HR "
            "systems and sends it as `Authorization: Bearer <token>`. Lists are paged with `limit` and the opaque "
            "`cursor`; every error is a JSON object `{\"error\": {\"code\", \"message\"}}`."
        ),
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearerAuth": []}],
    "paths": PATHS,
    "components": {
        "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                           "description": f"An organization token, {TOKEN_PREFIX}…"}},
        "schemas": SCHEMAS,
        "responses": RESPONSES,
        "parameters": PARAMETERS,
    },
}


def document() -> dict[str, Any]:
    return copy.deepcopy(DOCUMENT)
