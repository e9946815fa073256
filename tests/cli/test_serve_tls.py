"""``serve`` over HTTPS, as real processes: a self-signed certificate from the sandbox's own CA (kept
0600 and reused), the operator's certificate, one clear line for every unusable certificate or key,
and the Host checks and the self-call refusal still holding over TLS."""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import signal
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sandbox.testing.sandbox import VendorSandbox
from tests.support import SandboxProcess, executable

pytestmark = pytest.mark.slow

CA = Path(".vendor-sandbox/tls-ca.pem")
CA_KEY = Path(".vendor-sandbox/tls-ca-key.pem")


def start_self_signed(workdir: Path, *args: str) -> SandboxProcess:
    return SandboxProcess(workdir, "--tls-self-signed", *args, scheme="https", verify=str(workdir / CA))


def test_self_signed_serves_https_verified_against_the_ca_it_prints_and_refuses_plain_http(tmp_path: Path) -> None:
    server = start_self_signed(tmp_path)
    try:
        ca = str(tmp_path / CA)
        for host in ("127.0.0.1", "localhost"):
            health = requests.get(f"https://{host}:{server.port}/__sandbox/health", verify=ca, timeout=10)
            assert (health.status_code, health.json()["status"]) == (200, "ok")
        with pytest.raises(requests.exceptions.SSLError):  # not a certificate the world trusts
            requests.get(f"{server.url}/__sandbox/health", timeout=10)
        with pytest.raises(requests.ConnectionError):  # plain HTTP: refused at once, never served
            requests.get(f"http://127.0.0.1:{server.port}/__sandbox/health", timeout=5)
        assert requests.get(f"{server.url}/__sandbox/health", verify=ca, timeout=10).status_code == 200
    finally:
        server.terminate()
    assert f" on https://127.0.0.1:{server.port} " in server.output
    assert f"trust the CA once: {(tmp_path / CA).resolve()}" in server.output
    assert "Traceback" not in server.output


def test_the_ca_is_kept_private_and_reused_across_restarts(tmp_path: Path) -> None:
    first = start_self_signed(tmp_path)
    first.terminate()
    directory = tmp_path / ".vendor-sandbox"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    for name in ("tls-ca.pem", "tls-ca-key.pem", "tls-server.pem", "tls-server-key.pem"):
        assert stat.S_IMODE((directory / name).stat().st_mode) == 0o600, name
    trusted = tmp_path / "trusted-once.pem"
    trusted.write_bytes((tmp_path / CA).read_bytes())
    key = (tmp_path / CA_KEY).read_bytes()
    (tmp_path / CA_KEY).chmod(0o644)  # loosened by someone: tightened again, not used as it is

    second = start_self_signed(tmp_path)
    try:
        # A client that trusted the first start's CA trusts the second start's certificate.
        health = requests.get(f"{second.url}/__sandbox/health", verify=str(trusted), timeout=10)
        assert health.status_code == 200
    finally:
        second.terminate()
    assert (tmp_path / CA_KEY).read_bytes() == key
    assert stat.S_IMODE((tmp_path / CA_KEY).stat().st_mode) == 0o600
    assert "signed by the sandbox's new CA" in first.output
    assert "signed by the sandbox's own CA" in second.output


# --- the operator's own certificate ------------------------------------------------------------------


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_pair(directory: Path, stem: str) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1 it signed: (ca.pem, cert.pem, key.pem)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{stem} test CA"))
        .issuer_name(_name(f"{stem} test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = directory / f"{stem}-ca.pem", directory / f"{stem}-cert.pem", directory / f"{stem}-key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    paths[2].write_bytes(pem)
    return paths


def test_serve_uses_the_certificate_and_key_it_is_given(tmp_path: Path) -> None:
    ca, cert, key = make_pair(tmp_path, "given")
    server = SandboxProcess(tmp_path, "--tls-cert", str(cert), "--tls-key", str(key), scheme="https", verify=str(ca))
    try:
        assert requests.get(f"{server.url}/__sandbox/health", verify=str(ca), timeout=10).status_code == 200
    finally:
        server.terminate()
    assert f" on https://127.0.0.1:{server.port} " in server.output
    assert not (tmp_path / CA).exists()  # no CA of its own made when given a certificate


def refused(workdir: Path, *args: str, environment: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``serve`` that must refuse to start; one that starts after all is killed, workers included."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("VENDOR_SANDBOX_")}
    process = subprocess.Popen(
        [executable(), "serve", "--port", "0", *args],  # should it start after all, on a port of its own
        cwd=workdir,
        env={**env, **(environment or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise AssertionError(f"serve {' '.join(args)} started instead of refusing") from None
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def test_an_unusable_certificate_or_key_is_one_clear_line_and_a_failed_exit(tmp_path: Path) -> None:
    _, cert, key = make_pair(tmp_path, "good")
    _, other_cert, other_key = make_pair(tmp_path, "other")
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    encrypted = tmp_path / "encrypted-key.pem"
    loaded = serialization.load_pem_private_key(key.read_bytes(), password=None)
    encrypted.write_bytes(
        loaded.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"passphrase"),
        )
    )
    missing = tmp_path / "missing.pem"
    cases: list[tuple[list[str], str]] = [
        (["--tls-cert", str(missing), "--tls-key", str(key)], f"cannot read the TLS certificate '{missing}'"),
        (["--tls-cert", str(cert), "--tls-key", str(missing)], f"cannot read the TLS key '{missing}'"),
        (["--tls-cert", str(cert), "--tls-key", str(cert / "x")], "cannot read the TLS key"),
        (["--tls-cert", str(garbage), "--tls-key", str(key)], f"the TLS certificate '{garbage}' is not a PEM"),
        (["--tls-cert", str(cert), "--tls-key", str(garbage)], f"the TLS key '{garbage}' is not a PEM private key"),
        (["--tls-cert", str(cert), "--tls-key", str(encrypted)], f"the TLS key '{encrypted}' is encrypted"),
        (["--tls-cert", str(cert), "--tls-key", str(other_key)], f"the TLS key '{other_key}' does not belong"),
        (["--tls-cert", str(other_cert), "--tls-key", str(key)], f"to the certificate '{other_cert}'"),
    ]
    if os.geteuid() != 0:  # root reads any file
        unreadable = tmp_path / "unreadable-key.pem"
        unreadable.write_bytes(key.read_bytes())
        unreadable.chmod(0)
        cases.append((["--tls-cert", str(cert), "--tls-key", str(unreadable)], "Permission denied"))
    for args, expected in cases:
        result = refused(tmp_path, *args)
        lines = result.stderr.strip().splitlines()
        assert (result.returncode, len(lines)) == (1, 1), (args, result.stderr)
        assert lines[0].startswith("error: "), (args, lines)
        assert expected in lines[0], (args, lines)
        assert key.read_text().splitlines()[1] not in result.stderr  # no key material echoed


def test_half_a_pair_or_both_ways_at_once_is_a_usage_error(tmp_path: Path) -> None:
    _, cert, key = make_pair(tmp_path, "good")
    only_cert = refused(tmp_path, "--tls-cert", str(cert))
    assert only_cert.returncode == 2
    assert "give tls_cert and tls_key together" in only_cert.stderr
    only_key = refused(tmp_path, environment={"VENDOR_SANDBOX_TLS_KEY": str(key)})
    assert only_key.returncode == 2
    assert "give tls_cert and tls_key together" in only_key.stderr
    config = tmp_path / "both.toml"
    config.write_text(f'[server]\ntls_self_signed = true\ntls_cert = "{cert}"\ntls_key = "{key}"\n')
    both = refused(tmp_path, "--config", str(config))
    assert both.returncode == 2
    assert "give either tls_self_signed or tls_cert with tls_key, not both" in both.stderr
    bad_flag = refused(tmp_path, environment={"VENDOR_SANDBOX_TLS_SELF_SIGNED": "perhaps"})
    assert bad_flag.returncode == 2
    assert "VENDOR_SANDBOX_TLS_SELF_SIGNED must be" in bad_flag.stderr


# --- the guards still hold over TLS ------------------------------------------------------------------


def verdict(page: str) -> dict[str, Any]:
    marker = '<script type="application/json" id="sandbox-verdict">'
    start = page.index(marker) + len(marker)
    found: dict[str, Any] = json.loads(page[start : page.index("</script>", start)])
    return found


def test_host_checks_and_the_self_call_refusal_hold_over_https(tmp_path: Path) -> None:
    config = tmp_path / "sandbox.toml"
    config.write_text("[server]\ntls_self_signed = true\n")  # from the file this time, with two workers
    server = SandboxProcess(
        tmp_path, "--config", str(config), "--workers", "2", scheme="https", verify=str(tmp_path / CA)
    )
    ca = str(tmp_path / CA)
    try:
        sandbox = VendorSandbox(server.url, ca_path=ca)
        sandbox.reset()
        rebound = requests.post(
            f"{server.url}/__sandbox/reset", headers={"Host": "attacker.example"}, verify=ca, timeout=10
        )
        assert rebound.status_code == 403, rebound.text
        sandbox.sympto_clinic("clinic-a", "admin-a@example.test", "clinic-a-secret-0123456789")
        token = requests.post(
            f"{server.url}/sympto/authorization",
            json={"clientId": "admin-a@example.test", "clientSecret": "clinic-a-secret-0123456789"},
            verify=ca,
            timeout=10,
        ).json()["Response"]
        for spelling in ("127.0.0.1", "localhost"):
            registered = requests.post(
                f"{server.url}/sympto/clinicAdmin/clinics/endpoint",
                headers={"Authorization": f"Bearer {token}"},
                json={
                    "endpointURL": f"https://{spelling}:{server.port}/__sandbox/reset",
                    "clientId": "partner-id",
                    "clientSecret": "partner-secret",
                    "endpointQueryParam": "Evil",
                },
                verify=ca,
                timeout=10,
            )
            assert registered.status_code == 200, registered.text
            page = requests.get(f"{server.url}/sympto/?authCodeEvil=x", verify=ca, timeout=20)
            assert verdict(page.text)["rule"] == "self_call", spelling
    finally:
        server.terminate()
