"""Signed decisions: every approval, refusal and permit, verifiable offline; tampering fails."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from kubat.permits import decisions, services, signing
from kubat.permits.models import DecisionKind, PermitCase
from tests.permits.factories import T0, World, in_review, make_world

pytestmark = pytest.mark.django_db


def _permit(world: World) -> PermitCase:
    case = in_review(world)
    for approval in case.approvals.all():
        services.decide_approval(
            user=world.reviewers[approval.authority],
            approval=approval,
            approve=True,
            now=T0 + timedelta(days=2),
        )
    case.refresh_from_db()
    return case


def _file(tmp_path: Path, name: str, document: object) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), "utf-8")
    return str(path)


def _verify(*args: str) -> tuple[int, dict[str, object]]:
    from io import StringIO

    out = StringIO()
    try:
        call_command("permits", "verify", *args, stdout=out)
        code = 0
    except CommandError as exc:
        code = exc.returncode
    text = out.getvalue().strip()
    return code, json.loads(text) if text else {}


def test_canonical_json_sorts_keys_without_whitespace_in_utf8() -> None:
    assert signing.canonical_json({"b": 1, "a": ["ж", None, True]}) == (
        '{"a":["ж",null,true],"b":1}'.encode()
    )
    with pytest.raises(ValueError, match="floats"):
        signing.canonical_json({"kw": 22.5})


def test_every_approval_and_the_permit_are_signed() -> None:
    world = make_world("KZ")
    case = _permit(world)
    kinds = list(case.decisions.values_list("kind", flat=True))
    assert kinds == [DecisionKind.APPROVAL] * 3 + [DecisionKind.PERMIT]
    for decision in case.decisions.all():
        assert decisions.verify_decision(decision).valid
    permit = case.decisions.get(kind=DecisionKind.PERMIT)
    body = json.loads(permit.canonical)
    assert body["permit_number"] == case.permit_number
    assert body["holder"] == world.applicant_org.name
    assert world.applicant.username not in permit.canonical  # organisations, never people
    assert permit.public


def test_a_refusal_is_signed_with_its_reason() -> None:
    world = make_world("KZ")
    case = in_review(world)
    fire = case.approvals.get(code="fire_safety")
    services.decide_approval(
        user=world.reviewers["fire_safety"], approval=fire, approve=False, reason="too close"
    )
    refusal = case.decisions.get(kind=DecisionKind.REFUSAL)
    assert "too close" in json.loads(refusal.canonical)["reason"]
    assert decisions.verify_decision(refusal).valid
    assert not refusal.public


def test_a_deemed_approval_is_signed_by_kubat() -> None:
    from kubat.permits import clock

    world = make_world("KZ")
    case = in_review(world)
    clock.tick(now=T0 + timedelta(days=30))
    case.refresh_from_db()
    assert case.decisions.filter(kind=DecisionKind.APPROVAL).count() == 3
    assert case.decisions.filter(kind=DecisionKind.PERMIT).count() == 1


def test_the_command_verifies_a_permit_offline_with_the_published_certificate(
    tmp_path: Path,
) -> None:
    world = make_world("KZ")
    case = _permit(world)
    permit = case.decisions.get(kind=DecisionKind.PERMIT)
    client = Client()
    document = client.get(f"/permits/decisions/{permit.number}.json").json()
    certificate = client.get("/permits/signing-certificate.pem").content
    (tmp_path / "cert.pem").write_bytes(certificate)
    code, report = _verify(
        _file(tmp_path, "permit.json", document), "--certificate", str(tmp_path / "cert.pem")
    )
    assert code == 0
    assert report["valid"] is True
    assert report["number"] == permit.number


def test_a_tampered_decision_fails_verification(tmp_path: Path) -> None:
    world = make_world("KZ")
    case = _permit(world)
    document = decisions.signed_file(case.decisions.get(kind=DecisionKind.PERMIT))
    document["decision"]["site"]["address"] = "Somewhere else 1"
    code, report = _verify(_file(tmp_path, "tampered.json", document))
    assert code == 1
    assert report["valid"] is False
    assert "does not match" in str(report["reason"])


def test_a_decision_signed_by_another_key_fails_against_the_published_certificate(
    tmp_path: Path,
) -> None:
    world = make_world("KZ")
    case = _permit(world)
    value = json.loads(case.decisions.get(kind=DecisionKind.PERMIT).canonical)
    forged = signing.sign_document(value, signer=signing.FileSigner(tmp_path / "other"))
    published = signing.get_signer().certificate_pem()
    (tmp_path / "cert.pem").write_bytes(published)
    code, report = _verify(
        _file(tmp_path, "forged.json", forged), "--certificate", str(tmp_path / "cert.pem")
    )
    assert code == 1
    assert "another certificate" in str(report["reason"])


def test_a_file_that_is_not_a_signed_decision_exits_2(tmp_path: Path) -> None:
    code, _ = _verify(_file(tmp_path, "x.json", {"decision": "no"}))
    assert code == 2
    (tmp_path / "garbage.json").write_text("not json")
    code, _ = _verify(str(tmp_path / "garbage.json"))
    assert code == 2
    code, _ = _verify(str(tmp_path / "missing.json"))
    assert code == 2


def test_approval_decisions_are_only_for_the_case_parties() -> None:
    world = make_world("KZ")
    case = _permit(world)
    approval = case.decisions.filter(kind=DecisionKind.APPROVAL).first()
    assert approval is not None
    assert Client().get(f"/permits/decisions/{approval.number}.json").status_code == 404
    client = Client()
    client.force_login(world.applicant)
    assert client.get(f"/permits/decisions/{approval.number}.json").status_code == 200
    page = client.get(f"/permits/cases/{case.pk}/").content.decode()
    assert approval.number in page
    assert "INVALID" not in page


def test_without_certificate_the_command_trusts_the_published_one_not_the_embedded(
    tmp_path: Path,
) -> None:
    """A forger signs with a key of its own and embeds its certificate: the file is
    consistent with itself, and must still fail because its certificate is not Kubat's."""
    world = make_world("KZ")
    case = _permit(world)
    value = json.loads(case.decisions.get(kind=DecisionKind.PERMIT).canonical)
    forged = signing.sign_document(value, signer=signing.FileSigner(tmp_path / "forger"))
    code, report = _verify(_file(tmp_path, "forged.json", forged))
    assert code == 1
    assert report["valid"] is False
    assert "another certificate than the published one" in str(report["reason"])
    genuine = decisions.signed_file(case.decisions.get(kind=DecisionKind.PERMIT))
    code, report = _verify(_file(tmp_path, "genuine.json", genuine))
    assert (code, report["valid"]) == (0, True)


def test_a_decided_at_without_time_zone_fails_verification_with_a_clear_reason() -> None:
    value = {
        "format": "kubat.permit-decision/1",
        "number": "X-1",
        "decided_at": "2026-03-01T10:00:00",
    }
    signed = signing.sign_document(value)
    result = signing.verify(signed, trusted_certificate=signing.get_signer().certificate_pem())
    assert result.valid is False
    assert "decided_at has no time zone" in result.reason


def test_signers_starting_together_share_one_generated_key(tmp_path: Path) -> None:
    """Generated development keys are written once, atomically: eight signers racing on an
    empty folder all end with the same key and certificate (the first writer's)."""
    import threading

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    folder = tmp_path / "race"
    start = threading.Barrier(8)
    signers: list[signing.FileSigner] = []

    def make() -> None:
        start.wait()
        signers.append(signing.FileSigner(folder))

    threads = [threading.Thread(target=make) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(signers) == 8
    assert len({s.certificate_pem() for s in signers}) == 1
    from cryptography import x509

    public_key = x509.load_pem_x509_certificate(signers[0].certificate_pem()).public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    for signer in signers:
        public_key.verify(signer.sign(b"x"), b"x", ec.ECDSA(hashes.SHA256()))
    assert oct((folder / "signing-key.pem").stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []
