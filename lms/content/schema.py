"""JSON Schemas for course.yaml and the question files."""

LANG_TEXT = {
    "type": "object",
    "additionalProperties": {"type": "string", "minLength": 1, "maxLength": 2000},
    "minProperties": 1,
}
SLUG = {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 80}

COURSE = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["slug", "version", "audience", "hours", "minimum_minutes", "pass_mark",
                 "attempt_limit", "cooldown_hours", "final_test_size", "price_ore", "languages",
                 "title", "summary", "legal_basis", "modules"],
    "properties": {
        "slug": SLUG,
        "version": {"type": "string", "minLength": 1, "maxLength": 40},
        "audience": {"enum": ["leader", "safety_rep", "amu", "employee"]},
        "hours": {"type": "number", "exclusiveMinimum": 0, "maximum": 200},
        "minimum_minutes": {"type": "integer", "minimum": 0, "maximum": 6000},
        "pass_mark": {"type": "integer", "minimum": 1, "maximum": 100},
        "attempt_limit": {"type": "integer", "minimum": 1, "maximum": 100},
        "cooldown_hours": {"type": "integer", "minimum": 0, "maximum": 720},
        "final_test_size": {"type": "integer", "minimum": 1, "maximum": 200},
        "price_ore": {"type": "integer", "minimum": 0, "maximum": 100_000_000},
        "free_languages": {"type": "array", "items": {"enum": ["nb", "en", "uk"]}, "uniqueItems": True},
        "validity_months": {"type": ["integer", "null"], "minimum": 1, "maximum": 240},
        "languages": {"type": "array", "items": {"enum": ["nb", "en", "uk"]}, "minItems": 1,
                      "uniqueItems": True},
        "title": LANG_TEXT,
        "summary": LANG_TEXT,
        "legal_basis": LANG_TEXT,
        "modules": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "minutes"],
                "properties": {
                    "id": SLUG,
                    "minutes": {"type": "integer", "minimum": 1, "maximum": 600},
                    "covers": {"type": "array", "items": {"enum": list("abcdef")}, "uniqueItems": True},
                },
            },
        },
    },
}

OPTION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "text"],
    "properties": {
        "id": {"enum": list("abcde")},
        "text": {"type": "string", "minLength": 1, "maxLength": 1000},
        "correct": {"type": "boolean"},
    },
}

QUESTION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "question", "options", "explanation"],
    "properties": {
        "id": SLUG,
        "question": {"type": "string", "minLength": 1, "maxLength": 3000},
        "options": {"type": "array", "minItems": 3, "maxItems": 5, "items": OPTION},
        "explanation": {"type": "string", "minLength": 1, "maxLength": 3000},
    },
}

QUIZ = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["check"],
    "properties": {
        "check": {"type": "array", "minItems": 1, "items": QUESTION},
        "final": {"type": "array", "items": QUESTION},
    },
}
