"""Detached signatures over canonical JSON, with an X.509 certificate; the signer is an adapter.

**Canonical JSON** (`canonical_json`, called "kubat-jcs-1" in signed files) follows RFC 8785
(JCS) for the values Kubat signs: object members sorted by key, no insignificant whitespace
(`,` and `:` only), strings as JSON escapes them with non-ASCII characters kept as UTF-8, the
whole encoded as UTF-8. Two restrictions keep it exact without a JCS library: numbers are
integers only (no floats, whose shortest form differs between languages; coordinates, powers
and amounts are signed as decimal strings), and keys are ASCII (Python sorts by code point,
JCS by UTF-16 unit: the same order for ASCII). `canonical_json` refuses anything else.

**The signature** is over those bytes: ECDSA P-256 with SHA-256 (`ES256`, DER-encoded, as
X.509 keys carry it) or RSA PKCS#1 v1.5 with SHA-256 (`RS256`) when a PKI issues RSA keys,
base64 in the file. The certificate (PEM) travels in the file and is published at
`/permits/signing-certificate.pem`; `verify` checks the signature with a certificate the
verifier trusts (the published one) and that the certificate was valid when signed.

**Signers** implement `Signer`. `FileSigner` is the development and demo signer: a key and a
self-signed certificate generated once into `KUBAT_PERMIT_SIGNING_DIR` (default var/signing,
key file mode 0600). A national PKI (a qualified certificate in an HSM, a GOST-capable
service) plugs in as another class named by `KUBAT_PERMIT_SIGNER`, without touching the
decisions or their verification.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from django.utils.translation import gettext

from kubat.core.secretfile import read_or_create, write_once

CANONICALIZATION = "kubat-jcs-1"


def _check(value: Any, where: str) -> None:
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, int):
        return
    if isinstance(value, float):
        raise ValueError(f"{where}: floats are not signed; give a decimal string")
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check(item, f"{where}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not key.isascii():
                raise ValueError(f"{where}: keys are ASCII strings, not {key!r}")
            _check(item, f"{where}.{key}")
        return
    raise ValueError(f"{where}: {type(value).__name__} is not a JSON value")


def canonical_json(value: Any) -> bytes:
    """The canonical UTF-8 bytes of `value` (see the module docstring); ValueError if not
    representable (a float, a non-ASCII key, a non-JSON type)."""
    _check(value, "$")
    text = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def fingerprint(certificate_pem: bytes) -> str:
    """SHA-256 of the certificate's DER encoding, lower-case hex (what people compare)."""
    cert = x509.load_pem_x509_certificate(certificate_pem)
    return cert.fingerprint(hashes.SHA256()).hex()


class Signer(Protocol):
    """Signs bytes with a key whose certificate anyone can fetch."""

    algorithm: str  # ES256 or RS256

    def certificate_pem(self) -> bytes: ...

    def sign(self, data: bytes) -> bytes: ...


class FileSigner:
    """A key and self-signed certificate in a folder, generated on first use (development)."""

    algorithm = "ES256"
    SUBJECT = "Kubat single window (development signer, not a national PKI)"

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder or settings.KUBAT_PERMIT_SIGNING_DIR)
        self._key, self._cert = self._load_or_create()

    def _load_or_create(self) -> tuple[ec.EllipticCurvePrivateKey, bytes]:
        """The key and certificate in the folder, generated once when missing (development).

        Each file is written atomically and only if absent (`core.secretfile`): several
        processes starting together all end with the one key that won, never with a key each.
        Under KUBAT_HTTPS nothing is generated: production signs with a provisioned key.
        """
        key_path, cert_path = self.folder / "signing-key.pem", self.folder / "signing-cert.pem"
        if settings.KUBAT_HTTPS and not key_path.exists():
            raise ImproperlyConfigured(
                f"{key_path} is missing: production signs with a provisioned key "
                "(kubat permits signing-key creates one in KUBAT_PERMIT_SIGNING_DIR)"
            )
        key_pem = read_or_create(key_path, _new_key_pem)
        key = serialization.load_pem_private_key(key_pem, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{key_path} is not an EC private key")
        cert_pem = read_or_create(cert_path, lambda: _self_signed(key, self.SUBJECT), mode=0o644)
        cert = x509.load_pem_x509_certificate(cert_pem)
        if cert.public_key() != key.public_key():
            raise ImproperlyConfigured(f"{cert_path} is not the certificate of {key_path}")
        return key, cert_pem

    def certificate_pem(self) -> bytes:
        return self._cert

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data, ec.ECDSA(hashes.SHA256()))


def _new_key_pem() -> bytes:
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _self_signed(key: ec.EllipticCurvePrivateKey, subject: str) -> bytes:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, subject),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Kubat"),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=3650))  # the demo signs decisions dated back
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def create_signing_key(folder: Path) -> bytes:
    """Provision a FileSigner key and certificate in `folder` (the production step behind
    `kubat permits signing-key`); FileExistsError when a key is there already: a signing key
    is never replaced silently, every decision it signed is verified against its certificate.
    """
    key_path, cert_path = folder / "signing-key.pem", folder / "signing-cert.pem"
    if key_path.exists():
        raise FileExistsError(f"{key_path} exists: a signing key is never replaced")
    key_pem = write_once(key_path, _new_key_pem())
    key = serialization.load_pem_private_key(key_pem, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return write_once(cert_path, _self_signed(key, FileSigner.SUBJECT), mode=0o644)


@lru_cache(maxsize=4)
def _signer(dotted: str, folder: str) -> Signer:
    cls = import_string(dotted)
    signer: Signer = cls(Path(folder)) if cls is FileSigner else cls()
    return signer


def get_signer() -> Signer:
    """The configured signer (`KUBAT_PERMIT_SIGNER`), made once per configuration."""
    return _signer(settings.KUBAT_PERMIT_SIGNER, str(settings.KUBAT_PERMIT_SIGNING_DIR))


def sign_document(value: dict[str, Any], *, signer: Signer | None = None) -> dict[str, Any]:
    """`value` with its detached signature and the signer's certificate: the signed file."""
    signer = signer or get_signer()
    data = canonical_json(value)
    pem = signer.certificate_pem()
    return {
        "decision": value,
        "signature": {
            "algorithm": signer.algorithm,
            "canonicalization": CANONICALIZATION,
            "value": base64.b64encode(signer.sign(data)).decode("ascii"),
            "certificate_sha256": fingerprint(pem),
        },
        "certificate": pem.decode("ascii"),
    }


@dataclass(frozen=True, slots=True)
class Verification:
    valid: bool
    reason: str
    certificate_sha256: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "valid": self.valid,
            "reason": self.reason,
            "certificate_sha256": self.certificate_sha256,
        }


class MalformedDocument(ValueError):
    """The file is not a signed decision at all (the verify command exits 2 on it)."""


def _parts(document: Any) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    if not isinstance(document, dict):
        raise MalformedDocument(gettext("a signed decision is a JSON object"))
    decision, signature, cert = (
        document.get("decision"),
        document.get("signature"),
        document.get("certificate"),
    )
    if not isinstance(decision, dict):
        raise MalformedDocument(gettext("decision: missing or not an object"))
    if not isinstance(signature, dict) or not isinstance(signature.get("value"), str):
        raise MalformedDocument(gettext("signature.value: missing"))
    if not isinstance(cert, str):
        raise MalformedDocument(gettext("certificate: missing"))
    return decision, signature, cert.encode("ascii", "replace")


def verify(document: Any, *, trusted_certificate: bytes) -> Verification:
    """Check a signed file offline: the signature over the canonical decision, by the trusted
    certificate (the published one: `get_signer().certificate_pem()` on a Kubat host, the file
    fetched from /permits/signing-certificate.pem elsewhere), valid at the decision's
    `decided_at`.

    The certificate inside the file is never trusted on its own word: anyone can sign a forged
    decision with a key of their own and embed its certificate, so a file whose certificate is
    not the trusted one fails. MalformedDocument when the file is not a signed decision;
    otherwise a Verification whose `reason` says what failed (a tampered decision fails with
    "signature does not match").
    """
    decision, signature, embedded = _parts(document)
    if signature.get("canonicalization", CANONICALIZATION) != CANONICALIZATION:
        return Verification(
            False,
            gettext("unknown canonicalization %(canonicalization)s")
            % {"canonicalization": signature["canonicalization"]},
        )
    try:
        cert = x509.load_pem_x509_certificate(trusted_certificate)
    except ValueError:
        raise MalformedDocument(
            gettext("trusted certificate: not a PEM X.509 certificate")
        ) from None
    print_ = cert.fingerprint(hashes.SHA256()).hex()
    try:
        embedded_print = fingerprint(embedded)
    except ValueError:
        return Verification(False, gettext("the file's certificate is unreadable"))
    if embedded_print != print_:
        return Verification(
            False,
            gettext(
                "signed with another certificate than the published one (the file's is "
                "sha256 %(embedded)s…, the published one %(published)s…)"
            )
            % {"embedded": embedded_print[:16], "published": print_[:16]},
            print_,
        )
    try:
        data = canonical_json(decision)
        raw = base64.b64decode(signature["value"], validate=True)
    except (ValueError, TypeError) as exc:
        return Verification(False, gettext("unreadable: %(error)s") % {"error": exc}, print_)
    key = cert.public_key()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(raw, data, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(raw, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            return Verification(False, gettext("unsupported key type"), print_)
    except InvalidSignature:
        return Verification(False, gettext("signature does not match the decision"), print_)
    decided = decision.get("decided_at")
    if isinstance(decided, str):
        try:
            when = datetime.fromisoformat(decided.replace("Z", "+00:00"))
        except ValueError:
            return Verification(False, gettext("decided_at is not a date-time"), print_)
        if when.tzinfo is None:
            return Verification(
                False, gettext("decided_at has no time zone (Kubat writes …Z)"), print_
            )
        if not cert.not_valid_before_utc <= when <= cert.not_valid_after_utc:
            return Verification(
                False, gettext("the certificate was not valid at decided_at"), print_
            )
    return Verification(True, gettext("signature valid"), print_)
