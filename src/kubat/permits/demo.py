"""Demo permit cases: every state, with durations shaped like the real process.

Generated, not real: every organisation is named "(demo)", every case has source "demo", demo
users have no usable password and no e-mail address (set one with `kubat changepassword`), except
`demo-secretariat`: the quota demo makes that same account, in the same organisation "E-mobility
secretariat (demo)", with the password `kubat-demo`, and this loader makes it exactly so too, so
whichever demo runs last the secretariat is one account that can log in.
Each case is replayed through the real services on its own clock, so its audit trail,
deadlines, deemed approvals (through `tick`) and registry location are what the live system
would have produced. Same seed, same cases and durations; dates are counted back from the day
the demo is loaded, so cases in flight have live deadlines.

Duration assumptions (calendar days; Kubat's assumptions, not measurements): completeness
0.2-3; agencies 2-14, distribution companies 4-25 (the grid is the usual bottleneck), state
expertise 10-40; information requested on about 1 approval in 6, answered in 1-10 days; about
1 case in 12 rejected; construction 20-120; grid acceptance and meter 7-90; commissioning 1-14.
"""

from __future__ import annotations

import io
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import pypdf
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kubat.accounts import services as account_services
from kubat.accounts.models import Organisation
from kubat.accounts.roles import Role
from kubat.permits import aftercare, clock, delivery, payments, services
from kubat.permits.models import AgencyAssignment, Approval, CaseStatus, PermitCase
from kubat.permits.schemas import Application
from kubat.permits.tracks import Authority, rules_for

SHARED_SECRETARIAT_PASSWORD = "kubat-demo"  # the quota demo's DEMO_PASSWORD


def _demo_pdf() -> bytes:
    """A real one-page PDF (uploads are parsed whole), titled as generated demo data."""
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Kubat demo document: generated, not a real land title"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


DEMO_PDF = _demo_pdf()

# (region, city, latitude, longitude) from shared facts (approximate city centres).
SITES = {
    "KG": [
        ("Bishkek", "Bishkek", 42.8746, 74.5698),
        ("Bishkek", "Bishkek", 42.8746, 74.5698),
        ("Bishkek", "Bishkek", 42.8746, 74.5698),
        ("Osh", "Osh", 40.5283, 72.7985),
        ("Jalal-Abad", "Jalal-Abad", 40.9333, 72.9815),
        ("Issyk-Kul", "Karakol", 42.4907, 78.3936),
        ("Chuy", "Tokmok", 42.8421, 75.3015),
        ("Chuy", "Kara-Balta", 42.8146, 73.8481),
        ("Issyk-Kul", "Balykchy", 42.4600, 76.1870),
        ("Issyk-Kul", "Cholpon-Ata", 42.6490, 77.0820),
        ("Naryn", "Naryn", 41.4287, 75.9911),
        ("Talas", "Talas", 42.5228, 72.2427),
        ("Jalal-Abad", "Toktogul", 41.8725, 72.9400),
    ],
    "KZ": [
        ("Astana", "Astana", 51.1694, 71.4491),
        ("Astana", "Astana", 51.1694, 71.4491),
        ("Almaty", "Almaty", 43.2389, 76.8897),
        ("Almaty", "Almaty", 43.2389, 76.8897),
        ("Almaty", "Almaty", 43.2389, 76.8897),
        ("Shymkent", "Shymkent", 42.3417, 69.5901),
        ("Karaganda Region", "Karaganda", 49.8047, 73.1094),
        ("Aktobe Region", "Aktobe", 50.2839, 57.1670),
        ("Zhambyl Region", "Taraz", 42.9000, 71.3667),
        ("Pavlodar Region", "Pavlodar", 52.2873, 76.9674),
        ("Atyrau Region", "Atyrau", 47.1164, 51.8833),
        ("Turkistan Region", "Turkistan", 43.2973, 68.2518),
    ],
}
STREETS = ["Main St", "Ring Rd", "Station Sq", "Mall parking", "Highway km 12", "Park Ave"]
APPLICANTS = {
    "KG": [("Demo Charge KG LLC", "DCK", "operator"), ("Demo Green Invest KG", "DGK", "investor")],
    "KZ": [("Demo Charge KZ LLP", "DCZ", "operator"), ("Demo Steppe Energy KZ", "DSZ", "investor")],
}
# Agency per (country, authority, region); region "" is the country-wide default.
AGENCIES: list[tuple[str, str, str, str]] = [
    ("KG", Authority.MUNICIPALITY, "", "Municipal architecture office KG (demo)"),
    ("KG", Authority.MUNICIPALITY, "Bishkek", "Bishkek city architecture office (demo)"),
    ("KG", Authority.DISTRIBUTION_COMPANY, "", "Northern distribution company KG (demo)"),
    ("KG", Authority.DISTRIBUTION_COMPANY, "Osh", "Southern distribution company KG (demo)"),
    ("KG", Authority.DISTRIBUTION_COMPANY, "Jalal-Abad", "Southern distribution company KG (demo)"),
    ("KG", Authority.FIRE_SAFETY, "", "Fire safety inspectorate KG (demo)"),
    ("KG", Authority.STATE_EXPERTISE, "", "State construction expertise KG (demo)"),
    ("KZ", Authority.MUNICIPALITY, "", "Regional akimat KZ (demo)"),
    ("KZ", Authority.MUNICIPALITY, "Almaty", "Almaty city akimat (demo)"),
    ("KZ", Authority.MUNICIPALITY, "Astana", "Astana city akimat (demo)"),
    ("KZ", Authority.DISTRIBUTION_COMPANY, "", "Regional grid company KZ (demo)"),
    ("KZ", Authority.DISTRIBUTION_COMPANY, "Almaty", "Almaty distribution company (demo)"),
    ("KZ", Authority.DISTRIBUTION_COMPANY, "Astana", "Astana distribution company (demo)"),
    ("KZ", Authority.FIRE_SAFETY, "", "Emergency situations department KZ (demo)"),
    ("KZ", Authority.STATE_EXPERTISE, "", "State expertise KZ (demo)"),
]
# Decision time per authority in calendar days: (low, high); the distribution companies are slow.
AGENCY_DAYS = {
    Authority.MUNICIPALITY: (2.0, 14.0),
    Authority.DISTRIBUTION_COMPANY: (4.0, 25.0),
    Authority.FIRE_SAFETY: (1.0, 10.0),
    Authority.STATE_EXPERTISE: (10.0, 40.0),
}
CASES_PER_COUNTRY = 42
# Projects: (weight, EVSE groups, grid kW): small AC, mid DC, large hub.
PROJECTS = [
    (
        3,
        [
            {
                "count": 2,
                "power_type": "AC_3_PHASE",
                "max_kw": 11,
                "standards": ["GBT_AC", "IEC_62196_T2"],
            }
        ],
        22,
    ),
    (
        5,
        [
            {
                "count": 2,
                "power_type": "DC",
                "max_kw": 60,
                "standards": ["GBT_DC", "IEC_62196_T2_COMBO"],
            }
        ],
        130,
    ),
    (2, [{"count": 1, "power_type": "DC", "max_kw": 40, "standards": ["GBT_DC"]}], 50),
    (
        1,
        [
            {
                "count": 6,
                "power_type": "DC",
                "max_kw": 120,
                "standards": ["GBT_DC", "IEC_62196_T2_COMBO"],
            },
            {"count": 4, "power_type": "AC_3_PHASE", "max_kw": 22, "standards": ["IEC_62196_T2"]},
        ],
        800,
    ),
]


@dataclass
class People:
    applicants: dict[str, list[tuple[Organisation, User, str]]]
    secretariat: User
    reviewers: dict[int, User]  # agency pk -> a reviewer


@cache
def _demo_password_hash() -> str:
    """One hash of the shared demo password for every demo account (hashing is slow on purpose)."""
    return make_password(SHARED_SECRETARIAT_PASSWORD)


def _user(username: str, organisation: Organisation, role: Role) -> User:
    """A demo account; every one logs in with the shared demo password (README lists them)."""
    user, created = User.objects.get_or_create(username=username)
    if created:
        user.password = _demo_password_hash()
        user.save()
    account_services.join_organisation(user=user, organisation=organisation)
    account_services.grant_role(user=user, role=role)
    return user


def _secretariat() -> User:
    """The demo secretariat shared with the quota demo: same name, organisation and password."""
    organisation, _ = Organisation.objects.get_or_create(
        name="E-mobility secretariat (demo)",
        defaults={"kind": Organisation.Kind.SECRETARIAT, "country_code": "KG"},
    )
    user = _user("demo-secretariat", organisation, Role.SECRETARIAT)
    user.set_password(SHARED_SECRETARIAT_PASSWORD)
    user.save(update_fields=["password"])
    return user


def _people() -> People:
    people = People(applicants={}, secretariat=_secretariat(), reviewers={})
    for country, names in APPLICANTS.items():
        people.applicants[country] = []
        for name, party_id, kind in names:
            org, _ = Organisation.objects.get_or_create(
                name=name, defaults={"kind": kind, "country_code": country}
            )
            user = _user(f"demo-{party_id.lower()}", org, Role.OPERATOR)
            people.applicants[country].append((org, user, party_id))
    for country, authority, region, name in AGENCIES:
        agency, _ = Organisation.objects.get_or_create(
            name=name, defaults={"kind": Organisation.Kind.AGENCY, "country_code": country}
        )
        AgencyAssignment.objects.get_or_create(
            country_code=country, authority=authority, region=region, defaults={"agency": agency}
        )
        if agency.pk not in people.reviewers:
            slug = "".join(ch for ch in name.lower() if ch.isalnum())[:24]
            people.reviewers[agency.pk] = _user(f"demo-{slug}", agency, Role.AGENCY_REVIEWER)
    return people


Step = tuple[datetime, Callable[[datetime], None]]


class CaseReplay:
    """Plans one case's events on a random clock and replays those that are already past."""

    def __init__(self, rng: random.Random, people: People, country: str, n: int) -> None:
        self.rng, self.people, self.country = rng, people, country
        _org, self.user, party_id = rng.choice(people.applicants[country])
        region, city, lat, lon = rng.choice(SITES[country])
        weights = [p[0] for p in PROJECTS]
        _, evses, grid_kw = rng.choices(PROJECTS, weights=weights)[0]
        self.application = Application.model_validate(
            {
                "country_code": country,
                "site_name": f"{city} charging site {n}",
                "region": region,
                "city": city,
                "address": f"{rng.choice(STREETS)} {rng.randint(1, 200)}",
                "latitude": round(lat + rng.uniform(-0.04, 0.04), 6),
                "longitude": round(lon + rng.uniform(-0.06, 0.06), 6),
                "land_right": rng.choice(["ownership", "lease", "lease", "municipal_permission"]),
                "land_document": f"LR-{rng.randint(10000, 99999)}",
                "party_id": party_id,
                "planned_evses": evses,
                "grid_capacity_kw": grid_kw,
            }
        )
        self.case: PermitCase | None = None

    def days(self, low: float, high: float) -> timedelta:
        return timedelta(days=self.rng.uniform(low, high))

    def run(self, *, start: datetime, now: datetime, fate: str) -> PermitCase:
        """Replay events from `start` while they are in the past; `fate` picks the path."""
        rng, at = self.rng, start
        self.case = services.create_draft(
            user=self.user, application=self.application, now=at, source="demo"
        )
        case = self.case
        services.add_attachment(
            user=self.user,
            case=case,
            upload=SimpleUploadedFile("land-right.pdf", DEMO_PDF),
            kind="land_right",
            now=at,
        )
        if fate == "draft":
            return case
        at += self.days(0.5, 8)
        if at > now:
            return case
        services.submit_case(user=self.user, case=case, now=at)
        if fate == "submitted":
            return case
        if fate == "returned" or rng.random() < 0.12:
            at += self.days(0.2, 3)
            if at > now:
                return case
            services.check_completeness(
                user=self.people.secretariat,
                case=case,
                complete=False,
                now=at,
                reason="The land right document is not signed by the owner.",
            )
            if fate == "returned":
                return case
            at += self.days(1, 10)
            if at > now:
                return case
            services.submit_case(user=self.user, case=case, now=at)
        at += self.days(0.2, 3)
        if at > now:
            return case
        self._pay(case, at - timedelta(hours=2))
        services.check_completeness(user=self.people.secretariat, case=case, complete=True, now=at)
        at = self._review(case, at, now, reject=fate == "rejected")
        case.refresh_from_db()
        if case.status != CaseStatus.ISSUED:
            return case
        for step, low, high in (
            (delivery.start_construction, 5, 30),
            (delivery.request_grid_acceptance, 20, 120),
        ):
            at += self.days(low, high)
            if at > now:
                return case
            step(user=self.user, case=case, now=at)
        case.refresh_from_db()  # services work on their own locked copy
        at += self.days(7, 90)
        if at > now:
            return case
        assert case.grid_agency_id is not None
        delivery.accept_grid(
            user=self.people.reviewers[case.grid_agency_id],
            case=case,
            meter_number=f"M-{rng.randint(100000, 999999)}",
            now=at,
        )
        at += self.days(1, 14)
        if at > now:
            return case
        delivery.commission_case(user=self.user, case=case, now=at)
        return case

    def _pay(self, case: PermitCase, at: datetime) -> None:
        """Half the fees arrive by the provider's signed callback, half by the secretariat."""
        case.refresh_from_db()
        due = case.fee_outstanding
        if due <= 0:
            return
        # By the case number, not the random stream, so the replay's other draws stay as they were.
        if case.pk % 2:
            body = json.dumps(
                {
                    "reference": case.payment_reference,
                    "amount": str(due),
                    "currency": case.fee_currency,
                    "transaction_id": f"DEMO-LOCAL-{case.pk}",
                    "paid_at": at.isoformat(),
                }
            ).encode()
            provider = payments.LocalHmacProvider()
            header = payments.hmac_header(secret=provider.secret(), body=body, at=int(time.time()))
            payments.record_provider_payment(
                provider=provider.code, body=body, headers={payments.SIGNATURE_HEADER: header}
            )
        else:
            payments.confirm_payment(
                user=self.people.secretariat,
                case=case,
                amount=due,
                transaction_id=f"DEMO-BANK-{case.pk}",
                now=at,
            )

    def _review(self, case: PermitCase, at: datetime, now: datetime, *, reject: bool) -> datetime:
        """Decide the open approvals in time order until none is left or the clock is reached."""
        rng = self.rng
        silent = self.country == "KZ" and rng.random() < 0.2
        victim = rng.choice(list(case.approvals.values_list("pk", flat=True)) or [0])
        last = at
        for _ in range(10):  # prerequisites open approvals in waves
            open_now = list(
                Approval.objects.filter(case=case, status__in=("pending", "info_requested"))
            )
            if not open_now:
                break
            events: list[tuple[datetime, Approval]] = []
            for approval in open_now:
                low, high = AGENCY_DAYS[Authority(approval.authority)]
                assert approval.started_at is not None
                events.append((approval.started_at + self.days(low, high), approval))
            for when, approval in sorted(events, key=lambda e: (e[0], e[1].pk)):
                approval.refresh_from_db()
                case.refresh_from_db()
                if case.status != CaseStatus.IN_REVIEW or approval.status != "pending":
                    continue
                if (
                    silent
                    and approval.silence_consent
                    and approval.authority == "distribution_company"
                ):
                    assert approval.due_at is not None
                    when = approval.due_at + timedelta(hours=2)
                    if when > now:
                        return last
                    clock.tick(now=when, case_ids=[case.pk])
                    last = max(last, when)
                    continue
                if rng.random() < 0.17:
                    assert approval.started_at is not None
                    asked = approval.started_at + self.days(0.5, 3)
                    if asked > now:
                        return last
                    reviewer = self.people.reviewers[approval.agency_id]
                    info = services.request_information(
                        user=reviewer,
                        approval=approval,
                        now=asked,
                        question="Please send the site plan with distances to buildings.",
                    )
                    answered = asked + self.days(1, 10)
                    if answered > now:
                        return last
                    services.answer_information(
                        user=self.user,
                        info_request=info,
                        now=answered,
                        answer="Site plan attached; nearest building 18 m.",
                    )
                    when = max(when, answered) + self.days(0.5, 3)
                if when > now:
                    return last
                reviewer = self.people.reviewers[approval.agency_id]
                refuse = reject and approval.pk == victim
                services.decide_approval(
                    user=reviewer,
                    approval=approval,
                    now=when,
                    approve=not refuse,
                    reason="The site is in a protected green zone." if refuse else "",
                )
                last = max(last, when)
        return last


def load_demo(*, seed: int, now: datetime | None = None) -> dict[str, int]:
    """Create demo agencies, applicants and permit cases in every state; returns counts.

    Dates count back from `now` (default: the moment of loading). With the same seed and the
    same `now` the dataset is identical; on another day a case may sit one step earlier or
    later, because business-day deadlines move with weekends and holidays.
    """
    if PermitCase.objects.filter(source="demo").exists():
        return {"cases": 0}
    rng = random.Random(seed)
    people = _people()
    now = (now or timezone.now()).replace(microsecond=0)
    fates = ["draft", "returned", "rejected", "submitted"]
    cases: list[PermitCase] = []
    for country in ("KG", "KZ"):
        rules_for(country)
        for n in range(1, CASES_PER_COUNTRY + 1):
            replay = CaseReplay(rng, people, country, n)
            fate = fates[n - 1] if n <= len(fates) else ("rejected" if rng.random() < 0.08 else "")
            # Most cases started within the last 14 months; a few in the last weeks, so
            # that some wait for the completeness check or an agency right now.
            if fate == "submitted":
                back = rng.uniform(8.5, 10)  # submitted within the last day or two
            elif n % 7 == 0:
                back = rng.uniform(0, 20)
            else:
                back = rng.uniform(10, 420)
            cases.append(replay.run(start=now - timedelta(days=back), now=now, fate=fate))
    changes = _aftercare(people, now)
    statuses = Counter(PermitCase.objects.filter(source="demo").values_list("status", flat=True))
    return {
        "cases": len(cases),
        "changes": changes,
        **{f"status_{k}": v for k, v in sorted(statuses.items())},
    }


def _decide_all(people: People, case: PermitCase, at: datetime) -> None:
    for approval in case.approvals.filter(status="pending").select_related("agency"):
        services.decide_approval(
            user=people.reviewers[approval.agency_id], approval=approval, approve=True, now=at
        )


def _run_change(people: People, case: PermitCase, at: datetime) -> None:
    """Submit a change case, pay it, accept it and give its approvals, on the demo clock."""
    services.submit_case(user=people_user(people, case), case=case, now=at)
    case.refresh_from_db()
    if case.fee_outstanding > 0:
        payments.confirm_payment(
            user=people.secretariat,
            case=case,
            amount=case.fee_outstanding,
            transaction_id=f"DEMO-BANK-{case.pk}",
            now=at + timedelta(hours=1),
        )
    services.check_completeness(
        user=people.secretariat, case=case, complete=True, now=at + timedelta(hours=3)
    )
    _decide_all(people, case, at + timedelta(days=4))


def people_user(people: People, case: PermitCase) -> User:
    for org, user, _party in people.applicants[case.country_code]:
        if org.pk == case.applicant_id:
            return user
    raise LookupError(case.applicant_id)


def _aftercare(people: People, now: datetime) -> int:
    """What happens after decisions, per country: an appeal (one open, one dismissed), a
    resubmission, and after commissioning a transfer, a temporary decommissioning and (KG) a
    modification. Each runs on its own clock after the case's last step; returns how many."""
    made = 0
    for country in ("KG", "KZ"):
        demo = PermitCase.objects.filter(source="demo", country_code=country, kind="new")
        refused = list(demo.filter(status=CaseStatus.REJECTED).order_by("pk"))
        for i, case in enumerate(refused[:2]):
            assert case.decided_at is not None
            at = case.decided_at + timedelta(days=3)
            user = people_user(people, case)
            if i == 0:
                aftercare.appeal_refusal(
                    user=user, case=case, grounds="The site plan answers the objection.", now=at
                )
                if country == "KZ":
                    aftercare.decide_appeal(
                        user=people.secretariat,
                        case=case,
                        grant=False,
                        reason="The objection stands: the distance is below the norm.",
                        now=at + timedelta(days=6),
                    )
            else:
                aftercare.resubmit_refused(user=user, case=case, now=at)
            made += 1
        live = list(demo.filter(status=CaseStatus.IN_REGISTRY).order_by("commissioned_at", "pk"))
        others = people.applicants[country]
        for i, permit in enumerate(live[:3]):
            assert permit.commissioned_at is not None
            at = permit.commissioned_at + timedelta(days=5)
            if at > now:
                continue
            user = people_user(people, permit)
            if i == 0:
                org, recipient, party_id = next(o for o in others if o[0].pk != permit.applicant_id)
                case = aftercare.open_change(
                    user=user,
                    permit=permit,
                    kind="transfer",
                    transfer_to=org,
                    transfer_party_id=party_id,
                    reason="The station is sold with the site.",
                    now=at,
                )
                aftercare.consent_transfer(user=recipient, case=case, now=at + timedelta(hours=2))
            elif i == 1:
                case = aftercare.open_change(
                    user=user,
                    permit=permit,
                    kind="decommission",
                    decommission_mode="temporary",
                    reason="Road works close the parking for the season.",
                    now=at,
                )
            elif country == "KG":
                groups = [dict(g) for g in permit.planned_evses]
                groups[0]["count"] = int(groups[0]["count"]) + 1
                case = aftercare.open_change(
                    user=user,
                    permit=permit,
                    kind="modification",
                    planned_evses=groups,
                    grid_capacity_kw=permit.grid_capacity_kw + groups[0]["max_kw"],
                    reason="One more charging point.",
                    now=at,
                )
            else:
                continue
            _run_change(people, case, at + timedelta(hours=4))
            made += 1
    return made
