"""The application as data: one pydantic shape for the form, the API and the demo."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from kubat.permits.models import LandRight
from kubat.registry.enums import ConnectorType, PowerType

Text45 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=45)]


class EvseGroup(BaseModel):
    """`count` identical EVSEs, each offering every standard in `standards` at `max_kw`."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    count: Annotated[int, Field(ge=1, le=100)]
    power_type: PowerType
    max_kw: Annotated[float, Field(gt=0, le=1000)]
    standards: Annotated[list[ConnectorType], Field(min_length=1, max_length=4)]


class Application(BaseModel):
    """What an applicant fills in; a draft may be saved with it, submission checks the rest."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    country_code: Annotated[str, StringConstraints(pattern=r"^(KG|KZ)$")]
    site_name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)
    ]
    region: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    city: Text45
    address: Text45
    latitude: Annotated[float, Field(ge=-90, le=90)]
    longitude: Annotated[float, Field(ge=-180, le=180)]
    land_right: LandRight
    land_document: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] = ""
    party_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{3}$")]
    planned_evses: list[EvseGroup] = Field(default_factory=list, max_length=10)
    grid_capacity_kw: Annotated[float, Field(ge=0, le=100000)] = 0
