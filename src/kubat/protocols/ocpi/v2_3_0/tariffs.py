"""OCPI 2.3.0 Tariffs module objects: 2.2.1's elements, with 2.3.0's tax and price limits.

2.3.0 requires `tax_included` on every Tariff, adds `preauthorize_amount`, and states the
minimum and maximum price as a PriceLimit (`before_taxes`, `after_taxes`) instead of 2.2.1's
Price (`excl_vat`, `incl_vat`). Elements, price components and restrictions are 2.2.1's.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kubat.protocols.ocpi.v2_2_1 import tariffs as v221
from kubat.protocols.ocpi.v2_2_1.tariffs import PriceComponent, TariffElement, TariffRestrictions
from kubat.protocols.ocpi.v2_3_0.enums import TaxIncluded
from kubat.protocols.ocpi.v2_3_0.types import OcpiObject

Amount = Annotated[float, Field(ge=0)]


class PriceLimit(OcpiObject):
    before_taxes: Amount
    after_taxes: Amount | None = None


class Tariff(v221.Tariff):
    min_price: PriceLimit | None = None  # type: ignore[assignment]
    max_price: PriceLimit | None = None  # type: ignore[assignment]
    preauthorize_amount: Amount | None = None
    tax_included: TaxIncluded


__all__ = ["PriceComponent", "PriceLimit", "Tariff", "TariffElement", "TariffRestrictions"]
