"""Pydantic's validation messages reach people in their language (kubat.core.validation).

The API's 422s, import reports and the permit form pass on what pydantic found; pydantic
writes English, so each error is rebuilt from its type and values in the reader's language.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import pytest
from django.utils import translation
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kubat.core import validation


class _Form(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=3, max_length=5, pattern=r"^[A-Z]+$")
    count: int = Field(ge=1, le=9)
    share: Decimal = Field(gt=0, lt=1)
    kind: Literal["AC", "DC"]
    tags: list[str] = Field(min_length=1, max_length=2)


def _errors(data: dict[str, object]) -> list[dict[str, object]]:
    with pytest.raises(ValidationError) as caught:
        _Form.model_validate(data)
    return [dict(e) for e in caught.value.errors(include_url=False)]


def _messages(data: dict[str, object], language: str) -> dict[str, str]:
    with translation.override(language):
        return {str(e["loc"][0]): validation.message(e) for e in _errors(data)}


def test_every_known_pydantic_error_is_rebuilt_with_its_values_in_russian() -> None:
    too_low = _messages(
        {"name": "ab", "count": 0, "share": "0", "kind": "X", "tags": [], "extra": 1}, "ru"
    )
    assert too_low == {
        "name": "Текст должен содержать не менее 3 символов",
        "count": "Значение должно быть не меньше 1",
        "share": "Значение должно быть больше 0",
        "kind": "Ожидается одно из значений: 'AC', 'DC'",
        "tags": "Должно быть не менее 1 элементов",
        "extra": "Это поле здесь не допускается",
    }
    too_high = _messages(
        {"name": "abcdefg", "count": 10, "share": "1", "kind": "AC", "tags": ["a", "b", "c"]},
        "ru",
    )
    assert too_high["name"] == "Текст должен содержать не более 5 символов"
    assert too_high["count"] == "Значение должно быть не больше 9"
    assert too_high["share"] == "Значение должно быть меньше 1"
    assert too_high["tags"] == "Должно быть не более 2 элементов"


def test_a_missing_field_and_a_wrong_type_read_in_kyrgyz_and_kazakh() -> None:
    data: dict[str, object] = {"name": "ABC", "count": "many", "share": "x", "kind": "AC"}
    kyrgyz = _messages(data, "ky")
    assert kyrgyz == {
        "count": "Бүтүн сан күтүлөт",
        "share": "Ондук сан күтүлөт",
        "tags": "Милдеттүү талаа",
    }
    assert _messages(data, "kk")["tags"] == "Міндетті өріс"


def test_an_unknown_error_type_keeps_pydantics_reason() -> None:
    error = {"type": "some_future_type", "msg": "Something pydantic says", "loc": ("x",)}
    with translation.override("ru"):
        assert validation.message(error) == "Something pydantic says"


def test_a_validators_own_message_loses_only_pydantics_prefix() -> None:
    error = {"type": "value_error", "msg": "Value error, уже переведено", "loc": ("x",)}
    assert validation.message(error) == "уже переведено"


def test_the_apis_422_is_in_the_language_the_client_asks_for(client) -> None:
    russian = client.get("/api/v1/locations", {"limit": "many"}, HTTP_ACCEPT_LANGUAGE="ru")
    assert russian.status_code == 422
    detail = russian.json()["detail"][0]
    assert detail["loc"] == ["query", "limit"]
    assert detail["type"] == "int_parsing"  # machines keep pydantic's stable type
    assert detail["msg"] == "Ожидается целое число"
    english = client.get("/api/v1/locations", {"limit": "many"})
    assert english.json()["detail"][0]["msg"] == "Input should be a valid integer"


@pytest.mark.django_db
def test_an_import_rejection_gives_pydantics_reason_in_russian() -> None:
    from kubat.registry.imports import ImportRejected, import_locations

    with translation.override("ru"), pytest.raises(ImportRejected) as rejected:
        import_locations(text='[{"id": "x"}]', fmt="json", source="import")
    with translation.override("ru"):
        reasons = [str(r) for r in rejected.value.report.rejected]
    assert any("country_code: Обязательное поле" in r for r in reasons), reasons
