"""Every pydantic model of /api/v1 has its own name.

ninja files models under components/schemas by class name: two different models with one name
(two apps' AnswerIn) make one overwrite the other, and the document then describes a body the
code refuses (schemathesis found the drivers' report answer described as the permit one).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections import defaultdict

from pydantic import BaseModel

import kubat


def test_no_two_api_models_share_a_name() -> None:
    found: dict[str, set[str]] = defaultdict(set)
    for info in pkgutil.walk_packages(kubat.__path__, "kubat."):
        leaf = info.name.rsplit(".", 1)[-1]
        if not (leaf.startswith("api") or leaf == "apischema"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            ours = inspect.isclass(value) and value.__module__ == info.name
            if ours and issubclass(value, BaseModel):
                found[name].add(info.name)
    assert {name: sorted(where) for name, where in found.items() if len(where) > 1} == {}
