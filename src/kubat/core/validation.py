"""Pydantic's validation messages in the reader's language.

Pydantic writes its messages in English, and the API's 422s, the import reports and the
permit form all pass them on to people. Each error carries a stable `type` and the values of
its message (`ctx`), so the message is rebuilt here from a translatable template; a type this
table does not know keeps pydantic's English text rather than losing the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

_TEMPLATES: dict[str, Promise] = {
    "missing": gettext_lazy("Field required"),
    "int_parsing": gettext_lazy("Input should be a valid integer"),
    "int_type": gettext_lazy("Input should be a valid integer"),
    "int_from_float": gettext_lazy("Input should be a whole number"),
    "float_parsing": gettext_lazy("Input should be a valid number"),
    "float_type": gettext_lazy("Input should be a valid number"),
    "decimal_parsing": gettext_lazy("Input should be a valid decimal number"),
    "decimal_type": gettext_lazy("Input should be a valid decimal number"),
    "bool_parsing": gettext_lazy("Input should be true or false"),
    "bool_type": gettext_lazy("Input should be true or false"),
    "string_type": gettext_lazy("Input should be a text string"),
    "string_too_short": gettext_lazy("Text should have at least %(min_length)s characters"),
    "string_too_long": gettext_lazy("Text should have at most %(max_length)s characters"),
    "string_pattern_mismatch": gettext_lazy("Text should match the pattern %(pattern)s"),
    "greater_than": gettext_lazy("Input should be greater than %(gt)s"),
    "greater_than_equal": gettext_lazy("Input should be at least %(ge)s"),
    "less_than": gettext_lazy("Input should be less than %(lt)s"),
    "less_than_equal": gettext_lazy("Input should be at most %(le)s"),
    "literal_error": gettext_lazy("Input should be %(expected)s"),
    "enum": gettext_lazy("Input should be %(expected)s"),
    "too_short": gettext_lazy("Should have at least %(min_length)s items"),
    "too_long": gettext_lazy("Should have at most %(max_length)s items"),
    "list_type": gettext_lazy("Input should be a list"),
    "dict_type": gettext_lazy("Input should be an object"),
    "model_type": gettext_lazy("Input should be an object"),
    "model_attributes_type": gettext_lazy("Input should be an object"),
    "extra_forbidden": gettext_lazy("This field is not allowed here"),
    "datetime_parsing": gettext_lazy("Input should be a valid date and time"),
    "datetime_type": gettext_lazy("Input should be a valid date and time"),
    "datetime_from_date_parsing": gettext_lazy("Input should be a valid date and time"),
    "date_parsing": gettext_lazy("Input should be a valid date (YYYY-MM-DD)"),
    "date_type": gettext_lazy("Input should be a valid date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": gettext_lazy("Input should be a valid date (YYYY-MM-DD)"),
    "time_parsing": gettext_lazy("Input should be a valid time"),
    "uuid_parsing": gettext_lazy("Input should be a valid UUID"),
    "url_parsing": gettext_lazy("Input should be a valid URL"),
    "url_type": gettext_lazy("Input should be a valid URL"),
    "url_scheme": gettext_lazy("URL scheme should be %(expected_schemes)s"),
    "json_invalid": gettext_lazy("Invalid JSON: %(error)s"),
    "finite_number": gettext_lazy("Input should be a finite number"),
}
# Pydantic prefixes a validator's own message; ours are translated where they are raised.
_VALUE_ERROR_PREFIXES = ("Value error, ", "Assertion failed, ")


def message(error: Mapping[str, Any]) -> str:
    """The reader's-language message of one pydantic error (an item of `exc.errors()`)."""
    kind = str(error.get("type", ""))
    template = _TEMPLATES.get(kind)
    original = str(error.get("msg", ""))
    if template is None:
        for prefix in _VALUE_ERROR_PREFIXES:
            if original.startswith(prefix):
                return original.removeprefix(prefix)
        return original
    ctx = {key: str(value) for key, value in (error.get("ctx") or {}).items()}
    if "expected" in ctx:  # pydantic joins the choices with an English "or"
        ctx["expected"] = ctx["expected"].replace(" or ", ", ")
    text = str(template)
    if "%(" not in text:
        return text
    try:
        return text % ctx
    except (KeyError, ValueError, TypeError):  # a pydantic version with other ctx keys
        return original


def translated(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The errors with each `msg` in the reader's language (the list a 422 answers with)."""
    return [{**error, "msg": message(error)} for error in errors]
