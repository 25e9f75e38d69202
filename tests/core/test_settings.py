"""Production settings: refuse to start on a guessable key; `check --deploy` clean; https on."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(tmp_path: Path, code: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("KUBAT_") or k == "KUBAT_DEBUG"}
    base.pop("KUBAT_DEBUG", None)
    full = {
        **base,
        "KUBAT_VAR_DIR": str(tmp_path),
        "KUBAT_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "kubat.settings",
        "PYTHONPATH": str(ROOT / "src"),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", code], env=full, capture_output=True, text=True, timeout=120
    )


SETUP = "import django; django.setup(); from django.conf import settings; "
PRODUCTION = {
    "KUBAT_HTTPS": "true",
    "KUBAT_TRUSTED_PROXY": "1",
    "KUBAT_ALLOWED_HOSTS": "kubat.example.kg",
    "KUBAT_DEBUG": "false",
    "KUBAT_PERMIT_PAYMENT_SECRET": "payment-secret-of-the-provider-0123456789abcdef",
}


def production(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The production variables, with a signing folder provisioned in `tmp_path`."""
    return {
        **PRODUCTION,
        "KUBAT_SECRET_KEY": secrets.token_urlsafe(50),
        "KUBAT_PERMIT_SIGNING_DIR": str(tmp_path / "signing"),
        **overrides,
    }


def test_a_weak_secret_key_outside_debug_stops_kubat(tmp_path: Path) -> None:
    done = run(tmp_path, SETUP, KUBAT_SECRET_KEY="change-me")
    assert done.returncode != 0
    assert "KUBAT_SECRET_KEY is too weak" in done.stderr


def test_a_django_insecure_default_key_stops_kubat(tmp_path: Path) -> None:
    done = run(tmp_path, SETUP, KUBAT_SECRET_KEY="django-insecure-" + "x1y2z3" * 10)
    assert done.returncode != 0
    assert "too weak" in done.stderr


def test_https_without_its_own_secret_key_stops_kubat(tmp_path: Path) -> None:
    done = run(tmp_path, SETUP, **PRODUCTION)
    assert done.returncode != 0
    assert "KUBAT_SECRET_KEY must be set when KUBAT_HTTPS=true" in done.stderr


def test_development_uses_the_generated_key_in_var(tmp_path: Path) -> None:
    done = run(tmp_path, SETUP + "print(settings.SECRET_KEY)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (tmp_path / "secret_key").read_text().strip()
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_a_weak_key_is_accepted_in_debug(tmp_path: Path) -> None:
    done = run(tmp_path, SETUP + "print(settings.DEBUG)", KUBAT_SECRET_KEY="dev", KUBAT_DEBUG="1")
    assert done.returncode == 0, done.stderr


def test_check_deploy_with_production_variables_prints_no_warning(tmp_path: Path) -> None:
    code = (
        "import sys; from kubat.cli import main; sys.argv = ['kubat', 'check', '--deploy', "
        "'--fail-level', 'WARNING']; main()"
    )
    done = run(tmp_path, code, **production(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
    assert "WARNING" not in done.stdout + done.stderr


PROBE = (
    SETUP
    + """
from django.test import Client
c = Client()
plain = c.get("/api/v1/openapi.json")
print(plain.status_code, plain.get("Location"))
proxied = c.get("/api/v1/openapi.json", HTTP_X_FORWARDED_PROTO="https")
print(proxied.status_code, proxied.get("Strict-Transport-Security"))
print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)
"""
)


def test_https_turns_on_redirect_hsts_and_secure_cookies(tmp_path: Path) -> None:
    done = run(tmp_path, PROBE, **production(tmp_path, KUBAT_ALLOWED_HOSTS="testserver"))
    assert done.returncode == 0, done.stderr
    plain, proxied, cookies = done.stdout.strip().splitlines()[-3:]
    assert plain == "301 https://testserver/api/v1/openapi.json"
    assert proxied == "200 max-age=31536000; includeSubDomains; preload"
    assert cookies == "True True"


@pytest.mark.parametrize("value", ["0", ""])
def test_without_a_trusted_proxy_its_header_is_not_believed(tmp_path: Path, value: str) -> None:
    env = production(tmp_path, KUBAT_ALLOWED_HOSTS="testserver", KUBAT_TRUSTED_PROXY=value)
    done = run(tmp_path, PROBE, **env)
    assert done.returncode == 0, done.stderr
    # The proxy header is ignored: still plain http, redirected, and no HSTS on plain http.
    assert done.stdout.strip().splitlines()[-2] == "301 None"


def test_https_without_a_payment_secret_stops_kubat(tmp_path: Path) -> None:
    env = production(tmp_path)
    env.pop("KUBAT_PERMIT_PAYMENT_SECRET")
    done = run(tmp_path, SETUP, **env)
    assert done.returncode != 0
    assert "KUBAT_PERMIT_PAYMENT_SECRET must be set" in done.stderr
    assert not (tmp_path / "permit_payment_secret").exists()


def test_https_without_a_provisioned_signing_folder_stops_kubat(tmp_path: Path) -> None:
    env = production(tmp_path)
    env.pop("KUBAT_PERMIT_SIGNING_DIR")
    done = run(tmp_path, SETUP, **env)
    assert done.returncode != 0
    assert "KUBAT_PERMIT_SIGNING_DIR must be set" in done.stderr


SIGN = SETUP + "from kubat.permits import signing; print(signing.get_signer().certificate_pem())"


def test_production_never_generates_a_signing_key_and_provisions_one_on_request(
    tmp_path: Path,
) -> None:
    env = production(tmp_path)
    done = run(tmp_path, SIGN, **env)
    assert done.returncode != 0
    assert "production signs with a provisioned key" in done.stderr
    assert not (tmp_path / "signing" / "signing-key.pem").exists()
    command = "import sys; from kubat.cli import main; sys.argv = ['kubat', 'permits', "
    provisioned = run(tmp_path, command + "'signing-key']; main()", **env)
    assert provisioned.returncode == 0, provisioned.stderr
    assert oct((tmp_path / "signing" / "signing-key.pem").stat().st_mode & 0o777) == "0o600"
    again = run(tmp_path, command + "'signing-key']; main()", **env)
    assert again.returncode == 2
    assert run(tmp_path, SIGN, **env).returncode == 0
