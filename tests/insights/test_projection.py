"""Projection rules: stock flows by the survival curve, quotas drive additions, the secretariat
edits scenarios within limits, and the year the network falls below its target is named."""

import json
import math

import pytest
from django.contrib.auth.models import User

from kubat.accounts import services as account_services
from kubat.accounts.roles import Role
from kubat.core.errors import InvalidInput
from kubat.insights import projection, selectors, services
from tests.insights.factories import register, station

AFIR = {"BEV": 1.3, "PHEV": 0.8, "EREV": 0.8}


def test_stock_flows_by_quota_uptake_and_the_survival_curve():
    scenario = projection.Scenario(
        name="central",
        quota_uptake=0.5,
        other_per_year=0,
        bev_share=1.0,
        survival_scale_years=10,
        survival_shape=1.0,
        pipeline_years=1,
    )
    result = projection.project(
        history={2026: {"BEV": 1000}},
        quota_volumes={2027: 2000},
        domestic={},
        scenario=scenario,
        kw_per_vehicle=AFIR,
        installed_kw=1400,
        pipeline_kw=100,
        trend_kw_per_year=0,
        this_year=2026,
        horizon=2028,
    )
    years = {r["year"]: r for r in result["years"]}
    s1 = math.exp(-0.1)
    assert years[2027]["additions"] == 1000  # 2,000 quota x 0.5 uptake
    assert years[2027]["stock"] == round(1000 * s1 + 1000)
    assert years[2027]["retired"] == round(1000 - 1000 * s1)
    assert years[2027]["need_kw"] == pytest.approx(1.3 * (1000 * s1 + 1000), abs=0.1)
    assert years[2026]["supply_kw"] == 1400
    assert years[2027]["supply_kw"] == 1500  # pipeline commissioned within a year
    assert result["falls_below_target_in"] == 2027  # 1,300 kW needed now, 2,470 next year
    assert result["already_below"] is False


@pytest.mark.django_db
def test_projection_of_a_country_uses_the_published_quota_and_three_scenarios():
    register(1000, on="2025-06-01")
    station("A", points=[("GBT_DC", 100, "AVAILABLE")])
    report = selectors.projection_for(country="KG", horizon=2030)
    assert [s["scenario"]["name"] for s in report["scenarios"]] == ["low", "central", "high"]
    low, central, high = (s["years"][-1]["stock"] for s in report["scenarios"])
    assert low < central < high
    assert report["scenarios"][1]["already_below"] is True  # 1,300 kW needed, 100 kW there


@pytest.mark.django_db
def test_only_the_secretariat_edits_a_scenario_and_bad_values_name_the_field(client):
    url = "/api/v1/insights/projection/KG/high"
    body = json.dumps({"parameters": {"quota_uptake": 0.8}})
    user = User.objects.create_user("someone")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {account_services.issue_token(user=user)}"}
    assert client.put(url, body, content_type="application/json", **auth).status_code == 403
    account_services.grant_role(user=user, role=Role.SECRETARIAT)
    ok = client.put(url, body, content_type="application/json", **auth)
    assert ok.status_code == 200
    report = client.get("/api/v1/insights/projection/KG").json()
    assert report["scenarios"][2]["scenario"]["quota_uptake"] == 0.8
    bad = client.put(
        url,
        json.dumps({"parameters": {"quota_uptake": 3}}),
        content_type="application/json",
        **auth,
    )
    assert (bad.status_code, bad.json()["field"]) == (400, "quota_uptake")
    with pytest.raises(InvalidInput) as caught:
        services.save_scenario(country="KG", name="wild", parameters={})
    assert caught.value.field == "name"


@pytest.mark.django_db
def test_the_admin_form_checks_scenario_parameters_like_the_api():
    from kubat.insights.admin import ScenarioForm

    bad = ScenarioForm(data={"country_code": "KG", "name": "low", "parameters": '{"bev_share": 2}'})
    assert not bad.is_valid()
    assert "bev_share" in str(bad.errors)
    good = ScenarioForm(
        data={"country_code": "KG", "name": "low", "parameters": '{"bev_share": 0.9}'}
    )
    assert good.is_valid(), good.errors
