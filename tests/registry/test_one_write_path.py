"""Every road into the registry keeps the same invariants: a seeded, property-style mix of writes.

The roads are the real ones (the API PUT and import over HTTP, the OCPI receiver over HTTP,
`kubat ocpi pull` against a stand-in peer, the admin's forms, permit commissioning, the demo's
bulk path). After each write the test checks what the write path promises, and at the end that
the maintained derived values equal a rebuild from the rows:

- every status change appended exactly one history event, carrying its road's source; a status
  report appends one even when it repeats the status;
- an ordered road never overwrote a newer last_updated with an older one: such a write is
  refused and changes nothing;
- every INSERT, UPDATE or DELETE of a location, EVSE or connector row came from
  kubat/registry/services.py (the SQL is traced to the code that ran it).
"""

from __future__ import annotations

import base64
import json
import random
import re
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client

from kubat.accounts import services as account_services
from kubat.accounts.models import Organisation
from kubat.accounts.roles import Role
from kubat.ocpi import client as ocpi_client
from kubat.ocpi.models import Peer
from kubat.ocpi.services import party_for_key
from kubat.ocpi.transport import digest
from kubat.protocols.ocpi.v2_2_1 import locations as ocpi
from kubat.protocols.ocpi.v2_2_1.types import format_datetime
from kubat.registry import services
from kubat.registry.models import (
    EVSE,
    EVSEStatusEvent,
    Location,
)
from tests.ocpi.peers import FakeOperator
from tests.registry import factories as registry_factories

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2026, 6, 1, tzinfo=UTC)
IDS = ["L1", "L2", "L3", "L4"]
UIDS = ["1", "2", "3"]
STATUSES = ["AVAILABLE", "CHARGING", "OUTOFORDER", "INOPERATIVE", "BLOCKED", "REMOVED", "PLANNED"]
OCPI_TOKEN = "road-test-token-c"
WRITE_SQL = re.compile(
    r'^\s*(INSERT INTO|UPDATE|DELETE FROM)\s+"?registry_(location|evse|connector)"?[\s(]', re.I
)


def _connector(cid: str, at: datetime, rng: random.Random) -> dict[str, Any]:
    dc = rng.random() < 0.6
    return {
        "id": cid,
        "standard": rng.choice(
            ["GBT_DC", "IEC_62196_T2_COMBO"] if dc else ["GBT_AC", "IEC_62196_T2"]
        ),
        "format": "CABLE" if dc else "SOCKET",
        "power_type": "DC" if dc else "AC_3_PHASE",
        "max_voltage": 750 if dc else 230,
        "max_amperage": rng.choice([80, 160, 250]) if dc else 32,
        "last_updated": format_datetime(at),
    }


def _evse(uid: str, at: datetime, rng: random.Random, party: str) -> dict[str, Any]:
    cc, pid = party.split("*")
    return {
        "uid": uid,
        "evse_id": f"{cc}*{pid}*E{uid}",
        "status": rng.choice([*STATUSES[:-2], "PLANNED"]),
        "connectors": [_connector(str(n), at, rng) for n in range(1, rng.randint(1, 2) + 1)],
        "last_updated": format_datetime(at),
    }


def _location(lid: str, at: datetime, rng: random.Random, party: str = "KG*PRO") -> dict[str, Any]:
    cc, pid = party.split("*")
    return {
        "country_code": cc,
        "party_id": pid,
        "id": lid,
        "publish": rng.random() < 0.85,
        "name": f"Station {lid}",
        "address": "Chui Avenue 1",
        "city": "Bishkek",
        "state": rng.choice(["Bishkek", "Chuy"]),
        "country": "KGZ" if cc == "KG" else "NLD",
        "coordinates": {
            "latitude": f"{42.8 + rng.random() / 10:.6f}",
            "longitude": f"{74.5 + rng.random() / 10:.6f}",
        },
        "evses": [_evse(u, at, rng, party) for u in rng.sample(UIDS, rng.randint(1, 3))],
        "time_zone": "Asia/Bishkek",
        "last_updated": format_datetime(at),
    }


@dataclass(frozen=True)
class Snapshot:
    evses: dict[int, tuple[str, datetime]]  # pk → (status, last_updated)
    locations: dict[int, datetime]  # pk → effective last_updated
    events: int

    @classmethod
    def take(cls) -> Snapshot:
        return cls(
            evses={
                pk: (s, at)
                for pk, s, at in EVSE.objects.values_list("pk", "status", "last_updated")
            },
            locations={
                loc.pk: services.effective_last_updated(loc) for loc in Location.objects.all()
            },
            events=EVSEStatusEvent.objects.count(),
        )


@dataclass(frozen=True)
class Write:
    """What a road did: its source, whether it was accepted, and what it claimed to write."""

    source: str
    accepted: bool
    location: str | None = None  # ocpi id of the location written
    pushed: datetime | None = None  # last_updated of the pushed object, on an ordered road
    evse: str | None = None  # uid, for EVSE-level writes and status reports
    report: bool = False  # a status report: one event even for a repeated status
    events: tuple[tuple[int, str], ...] | None = None  # exactly these, where the road says so


class Roads:
    """The roads into the registry, each driven as its users drive it."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.clock = T0
        self.client = Client()
        organisation = Organisation.objects.create(name="Pro", kind="operator", country_code="KG")
        self.party = services.get_or_create_party(
            country_code="KG", party_id="PRO", organisation=organisation
        )
        user = get_user_model().objects.create_user("road-operator")
        account_services.grant_role(user=user, role=Role.OPERATOR)
        account_services.join_organisation(user=user, organisation=organisation)
        self.api_token = account_services.issue_token(user=user)
        peer = Peer.objects.create(
            name="PRO", state=Peer.State.REGISTERED, token_digest=digest(OCPI_TOKEN)
        )
        peer.parties.add(self.party)
        self.admin = Client()
        self.admin.force_login(get_user_model().objects.create_superuser("road-admin"))
        self.fake = FakeOperator("road-pull-token")
        pull_peer = Peer.objects.create(
            name="XWP",
            state=Peer.State.REGISTERED,
            their_token="road-pull-token",
            endpoints=[{"identifier": "locations", "role": "SENDER", "url": self.fake.url("loc")}],
        )
        pull_peer.parties.add(party_for_key(key="NL*XWP"))
        self.demo_count = 0

    def tick(self) -> datetime:
        """Mostly forward in time; one write in five is older than what may be stored."""
        self.clock += timedelta(minutes=self.rng.randint(1, 30))
        if self.rng.random() < 0.2:
            return self.clock - timedelta(hours=self.rng.randint(1, 10))
        return self.clock

    def _stored(self, lid: str) -> Location | None:
        return services.find_location(party=self.party, location_id=lid)

    def api_put(self) -> Write:
        lid, at = self.rng.choice(IDS), self.tick()
        body = _location(lid, at, self.rng)
        response = self.client.put(
            f"/api/v1/locations/KG/PRO/{lid}",
            json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {self.api_token}"},
        )
        assert response.status_code in {200, 201, 409}, response.content
        return Write("api", response.status_code != 409, lid, at)

    def api_import(self) -> Write:
        lid, at = self.rng.choice(IDS), self.tick()
        body = json.dumps([_location(lid, at, self.rng)]).encode()
        response = self.client.post(
            "/api/v1/imports",
            {"file": _upload(body), "file_format": "json"},
            headers={"Authorization": f"Bearer {self.api_token}"},
        )
        assert response.status_code in {200, 400}, response.content
        return Write("import", response.status_code == 200, lid, at)

    def _ocpi(self, method: str, path: str, body: Any) -> dict[str, Any]:
        token = base64.b64encode(OCPI_TOKEN.encode()).decode()
        response = getattr(self.client, method)(
            f"/ocpi/2.2.1/receiver/locations/KG/PRO/{path}",
            json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Token {token}"},
        )
        return {"http": response.status_code, **response.json()}

    def ocpi_put_location(self) -> Write:
        lid, at = self.rng.choice(IDS), self.tick()
        reply = self._ocpi("put", lid, _location(lid, at, self.rng))
        return Write("ocpi", reply["status_code"] == 1000, lid, at)

    def _existing(self) -> tuple[Location, EVSE] | None:
        evses = list(EVSE.objects.filter(location__party=self.party).select_related("location"))
        if not evses:
            return None
        evse = self.rng.choice(evses)
        return evse.location, evse

    def ocpi_patch_status(self) -> Write | None:
        found = self._existing()
        if found is None:
            return None
        location, evse = found
        at = self.tick()
        status = self.rng.choice(STATUSES)  # PLANNED and REMOVED too: both refresh the location
        body = {"status": status, "last_updated": format_datetime(at)}
        reply = self._ocpi("patch", f"{location.ocpi_id}/{evse.uid}", body)
        return Write("ocpi", reply["status_code"] == 1000, location.ocpi_id, at, evse.uid, True)

    def ocpi_put_evse(self) -> Write | None:
        found = self._existing()
        if found is None:
            return None
        location, evse = found
        at = self.tick()
        body = _evse(evse.uid, at, self.rng, "KG*PRO")
        reply = self._ocpi("put", f"{location.ocpi_id}/{evse.uid}", body)
        return Write("ocpi", reply["status_code"] == 1000, location.ocpi_id, at, evse.uid)

    def ocpi_put_connector(self) -> Write | None:
        found = self._existing()
        if found is None:
            return None
        location, evse = found
        at = self.tick()
        body = _connector(self.rng.choice(["1", "2", "3"]), at, self.rng)
        reply = self._ocpi("put", f"{location.ocpi_id}/{evse.uid}/{body['id']}", body)
        return Write("ocpi", reply["status_code"] == 1000, location.ocpi_id, None, evse.uid)

    def ocpi_pull(self) -> Write:
        at = self.tick()
        self.fake.locations = [_location(lid, at, self.rng, party="NL*XWP") for lid in ("P1", "P2")]
        out = StringIO()
        call_command("ocpi", "pull", "--party", "NL*XWP", stdout=out, stderr=StringIO())
        report = json.loads(out.getvalue())["NL*XWP"]
        return Write("ocpi", report["saved"] == 2, None)

    def admin_status(self) -> Write | None:
        evses = list(EVSE.objects.select_related("location"))  # the permit's station too
        if not evses:
            return None
        evse = self.rng.choice(evses)
        status = self.rng.choice(STATUSES)
        response = self.admin.post(
            f"/admin/registry/evse/{evse.pk}/change/",
            {
                "location": evse.location_id,
                "uid": evse.uid,
                "evse_id": evse.evse_id or "",
                "status": status,
                "connectors-TOTAL_FORMS": "0",
                "connectors-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 302, response.content[:2000]
        return Write("admin", True, evse.location.ocpi_id, None, evse.uid)

    def permit(self) -> Write:
        """Commission a permitted station: it enters the registry with PLANNED EVSEs."""
        from kubat.permits import delivery
        from kubat.permits import services as permit_services
        from tests.permits.factories import T0 as PERMIT_T0
        from tests.permits.factories import in_review, make_world

        with transaction.atomic():
            world = make_world("KG")
            case = in_review(world)
            for approval in case.approvals.all():
                permit_services.decide_approval(
                    user=world.reviewers[approval.authority], approval=approval, approve=True
                )
            case.refresh_from_db()
            day = timedelta(days=1)
            delivery.start_construction(user=world.applicant, case=case, now=PERMIT_T0 + 20 * day)
            delivery.request_grid_acceptance(
                user=world.applicant, case=case, now=PERMIT_T0 + 60 * day
            )
            delivery.accept_grid(
                user=world.reviewers["distribution_company"],
                case=case,
                meter_number="SE-1",
                now=PERMIT_T0 + 75 * day,
            )
        before = Snapshot.take()
        with transaction.atomic():
            location = delivery.commission_case(user=world.applicant, case=case)
        pks = EVSE.objects.filter(location=location).values_list("pk", flat=True)
        assert all(pk not in before.evses for pk in pks)
        return Write("permit", True, None, events=tuple((pk, "PLANNED") for pk in pks))

    def demo(self) -> Write:
        """The demo's bulk path: new locations, then a replayed day of status reports."""
        self.demo_count += 1
        party = services.get_or_create_party(country_code="KG", party_id="DEM", source="demo")
        at = self.tick()
        data = ocpi.Location.model_validate(
            _location(f"D{self.demo_count}", at, self.rng, "KG*DEM")
        )
        with transaction.atomic():
            created = services.bulk_create_locations(items=[(party, data, "")], source="demo")
            pks = list(
                EVSE.objects.filter(location__in=created)
                .exclude(status="REMOVED")
                .values_list("pk", flat=True)
            )
            reports = [
                (pk, self.rng.choice(STATUSES[:5]), at + timedelta(minutes=m))
                for pk in pks
                for m in (1, 2)
            ]
            services.replay_status_reports(reports=reports, source="demo")
        # Each new EVSE's first status (as pushed), then each replayed report.
        pushed = {e.uid: e.status for e in data.evses or []}
        uids = EVSE.objects.filter(location__in=created).values_list("pk", "uid")
        first = [(pk, pushed[uid]) for pk, uid in uids]
        return Write("demo", True, None, events=(*first, *((pk, st) for pk, st, _ in reports)))


def _upload(content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("locations.json", content, content_type="application/json")


@pytest.fixture
def write_origins() -> Iterator[list[str]]:
    """Every SQL write of a location, EVSE or connector row, with the Kubat code that ran it."""
    offenders: list[str] = []

    def trace(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if WRITE_SQL.match(sql):
            ours = [
                f
                for f in traceback.extract_stack()[:-1]
                if ("/src/kubat/" in f.filename or "/tests/" in f.filename)
                # core.bulk runs SQL for its caller, as the ORM does: the caller is the origin
                and not f.filename.endswith("/src/kubat/core/bulk.py")
            ]
            if not ours or not ours[-1].filename.endswith("/src/kubat/registry/services.py"):
                where = ours[-1] if ours else None
                offenders.append(f"{sql[:60]} from {where.filename if where else '?'}")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(trace):
        yield offenders


@pytest.fixture
def pull_transport(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path / "private"  # the permit road's uploads
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    backoff = ocpi_client.BACKOFF_SECONDS
    ocpi_client.BACKOFF_SECONDS = 0.001
    yield
    ocpi_client.transport = None
    ocpi_client.BACKOFF_SECONDS = backoff


def _check(write: Write, before: Snapshot, after: Snapshot) -> None:
    new_events = list(EVSEStatusEvent.objects.order_by("pk")[before.events :])
    if not write.accepted:
        assert after == before, f"a refused {write} changed the registry"
        return
    changed = {
        pk: status
        for pk, (status, _) in after.evses.items()
        if pk not in before.evses or before.evses[pk][0] != status
    }
    if write.events is not None:
        got = sorted((e.evse_id, e.status) for e in new_events)
        assert got == sorted(write.events), write
        assert {e.source for e in new_events} <= {write.source}, write
        return
    expected = dict(changed)
    if write.report:
        pk = next(
            pk
            for pk in after.evses
            if EVSE.objects.filter(pk=pk, uid=write.evse, location__ocpi_id=write.location).exists()
        )
        expected[pk] = after.evses[pk][0]
    assert sorted((e.evse_id, e.status) for e in new_events) == sorted(expected.items()), write
    assert {e.source for e in new_events} <= {write.source}, write
    if write.pushed is not None and write.location is not None and write.evse is None:
        stored = Location.objects.filter(ocpi_id=write.location, party__party_id="PRO").first()
        if stored is not None and stored.pk in before.locations:
            assert write.pushed >= before.locations[stored.pk], f"{write} overwrote newer data"
    if write.pushed is not None and write.evse is not None:
        evse = EVSE.objects.get(uid=write.evse, location__ocpi_id=write.location)
        if evse.pk in before.evses:
            assert write.pushed >= before.evses[evse.pk][1], f"{write} overwrote newer data"


def test_the_trace_sees_a_write_from_outside_the_write_path(write_origins: list[str]) -> None:
    """The origin check above is not vacuous: a row written elsewhere is caught."""
    party = services.get_or_create_party(country_code="KG", party_id="OUT")
    data = ocpi.Location.model_validate(_location("X1", T0, random.Random(0), "KG*OUT"))
    with transaction.atomic():
        services.save_location(party=party, data=data, source="api")
    assert write_origins == []
    Location.objects.filter(party=party).update(name="written behind the write path's back")
    assert len(write_origins) == 1
    assert write_origins[0].startswith('UPDATE "registry_location"')
    assert write_origins[0].endswith("tests/registry/test_one_write_path.py")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_road_keeps_history_order_and_derived_values(
    seed: int, write_origins: list[str], pull_transport: None
) -> None:
    rng = random.Random(seed)
    roads = Roads(rng)
    ocpi_client.transport = httpx.MockTransport(roads.fake)
    steps: list[Callable[[], Write | None]] = [
        roads.api_put,
        roads.api_import,
        roads.ocpi_put_location,
        roads.ocpi_patch_status,
        roads.ocpi_patch_status,
        roads.ocpi_put_evse,
        roads.ocpi_put_connector,
        roads.ocpi_pull,
        roads.admin_status,
        roads.demo,
    ]
    before = Snapshot.take()
    _check(roads.permit(), before, Snapshot.take())
    done: dict[str, int] = {"permit": 1}
    refused = 0
    for _ in range(60):
        before = Snapshot.take()
        step = rng.choice(steps)
        write = step()
        if write is None:
            continue
        done[step.__name__] = done.get(step.__name__, 0) + write.accepted
        refused += not write.accepted
        _check(write, before, Snapshot.take())
    assert write_origins == []
    maintained = registry_factories.derived_values()
    dimensions = {dimension for _, dimension, _, _ in maintained[0]}
    assert {"watts_by_region_class", "dc_stations_by_region_standards"} <= dimensions
    assert len(maintained[1]) > 1, "the writes left fewer than two grid cells to compare"
    services.rebuild_derived()
    assert registry_factories.derived_values() == maintained
    assert refused > 0, "no write was refused: the ordering rule went untested"
    assert len(done) >= 8, f"too few roads were exercised: {done}"
