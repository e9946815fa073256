"""HTTPS for ``vendor-sandbox serve``: a certificate the operator gives, or one the sandbox makes.

Many partner clients (mobile apps, portals that frame Sympto pages) refuse plain HTTP, so the sandbox
can serve HTTPS. ``--tls-cert``/``--tls-key`` take PEM files; they are checked before anything
listens, so a missing, unreadable or mismatched file is one line naming the file, not a Rust panic
in a worker. ``--tls-self-signed`` makes a local certificate authority once, keeps it (and its key)
in the private state directory ``./.vendor-sandbox/`` (0700, files 0600) and reuses it on every
start: clients trust that CA once, and each start signs a fresh server certificate with it for
``localhost``, ``127.0.0.1``, ``::1`` (and the ``--host`` given, when it names one address).

Keys are ECDSA P-256 (fast to make, accepted by every TLS stack the partners use), written with
``cryptography``, the Python Cryptographic Authority's library.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sandbox.config import WILDCARD_BINDS, Settings
from sandbox.core.statedir import (
    FILE_MODE,
    OWN_DIRECTORY_NAME,
    UnsafeStateDirectory,
    secure_own_directory,
    secure_own_file,
)

#: The names a self-signed server certificate always covers: every way a local client names this machine.
LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")
CA_FILE = "tls-ca.pem"
CA_KEY_FILE = "tls-ca-key.pem"
CERT_FILE = "tls-server.pem"
KEY_FILE = "tls-server-key.pem"
#: The CA lives long (clients trust it once); the server certificate is remade at each start and
#: kept within the 398 days some clients (Apple's) accept for a server certificate.
CA_DAYS = 3650
SERVER_DAYS = 397


class TlsError(Exception):
    """The certificate or key cannot be used; the message names the file and what to do (one line)."""


@dataclass(frozen=True)
class Prepared:
    """What ``serve`` needs: the settings (``tls_cert``/``tls_key`` set), the CA clients should trust
    (None for the operator's own certificate) and notes for the user."""

    settings: Settings
    ca: Path | None
    notes: tuple[str, ...] = ()


def enabled(settings: Settings) -> bool:
    return settings.tls_self_signed or settings.tls_cert is not None


def scheme(settings: Settings) -> str:
    return "https" if enabled(settings) else "http"


def prepare(settings: Settings, state_directory: Path | None = None) -> Prepared:
    """Check the operator's certificate and key, or make the self-signed one; raises :class:`TlsError`."""
    if settings.tls_self_signed:
        return self_signed(settings, Path(OWN_DIRECTORY_NAME) if state_directory is None else state_directory)
    if settings.tls_cert is None or settings.tls_key is None:
        return Prepared(settings, None)
    notes = check_pair(Path(settings.tls_cert), Path(settings.tls_key))
    return Prepared(settings, None, tuple(notes))


def granian_options(settings: Settings) -> dict[str, Any]:
    """Granian's TLS arguments (none when serving plain HTTP). TLS 1.2 at least, not Granian's default
    1.3 only: older mobile clients and corporate proxies still speak 1.2."""
    if settings.tls_cert is None or settings.tls_key is None:
        return {}
    from granian.constants import SSLProtocols

    return {
        "ssl_cert": Path(settings.tls_cert),
        "ssl_key": Path(settings.tls_key),
        "ssl_protocol_min": SSLProtocols.tls12,
    }


# --- the operator's own certificate ----------------------------------------------------------------


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise TlsError(f"cannot read the TLS {what} {str(path)[:200]!r}: {error.strerror or error}") from None


def check_pair(cert_path: Path, key_path: Path) -> list[str]:
    """Refuse, in one line, a certificate or key that is missing, unreadable, not PEM, encrypted, or
    that do not belong together. Returns notes (an expired certificate is served, but said)."""
    from cryptography import x509
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization

    cert_bytes, key_bytes = _read(cert_path, "certificate"), _read(key_path, "key")
    try:
        certificate = x509.load_pem_x509_certificate(cert_bytes)
    except ValueError:
        raise TlsError(
            f"the TLS certificate {str(cert_path)[:200]!r} is not a PEM certificate (-----BEGIN CERTIFICATE-----)"
        ) from None
    try:
        key = serialization.load_pem_private_key(key_bytes, password=None)
    except TypeError:  # encrypted with a passphrase
        raise TlsError(
            f"the TLS key {str(key_path)[:200]!r} is encrypted; give an unencrypted key "
            "(openssl pkey -in KEY -out PLAIN) kept private"
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise TlsError(
            f"the TLS key {str(key_path)[:200]!r} is not a PEM private key (-----BEGIN PRIVATE KEY-----)"
        ) from None
    spki = serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(*spki) != certificate.public_key().public_bytes(*spki):
        raise TlsError(
            f"the TLS key {str(key_path)[:200]!r} does not belong to the certificate {str(cert_path)[:200]!r}"
        )
    try:  # what the server itself will do with them
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(str(cert_path), str(key_path))
    except (ssl.SSLError, OSError) as error:
        raise TlsError(f"cannot use the TLS certificate {str(cert_path)[:200]!r}: {error}") from None
    now = datetime.datetime.now(datetime.UTC)
    if certificate.not_valid_after_utc < now:
        return [f"note: the TLS certificate {cert_path} expired on {certificate.not_valid_after_utc:%Y-%m-%d}"]
    return []


# --- the self-signed certificate --------------------------------------------------------------------


def self_signed(settings: Settings, directory: Path) -> Prepared:
    """The sandbox's CA (made once, kept 0600 in ``directory``) and a server certificate it signs now."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        notes = secure_own_directory(directory)
        ca_path, ca_key_path = directory / CA_FILE, directory / CA_KEY_FILE
        notes += secure_own_file(ca_path) + secure_own_file(ca_key_path)
    except (UnsafeStateDirectory, OSError) as error:
        raise TlsError(str(error)) from None
    made = not ca_key_path.exists()
    if made:
        ca_key, ca_cert = _new_ca()
        _write_private(ca_key_path, _key_pem(ca_key))
        _write_private(ca_path, ca_cert.public_bytes(serialization.Encoding.PEM))
    else:
        try:
            ca_cert = x509.load_pem_x509_certificate(ca_path.read_bytes())
            loaded = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as error:
            raise TlsError(
                f"cannot reuse the sandbox's TLS CA in {directory.resolve()} ({type(error).__name__}): "
                f"remove {CA_FILE} and {CA_KEY_FILE} there to make a new one (clients must then trust the new one)"
            ) from None
        from cryptography.hazmat.primitives.asymmetric import ec

        if not isinstance(loaded, ec.EllipticCurvePrivateKey):
            raise TlsError(f"{ca_key_path.resolve()} is not the sandbox's CA key: remove it to make a new CA")
        ca_key = loaded
    names = server_names(settings.host)
    server_key, server_cert = _new_server_certificate(ca_key, ca_cert, names)
    cert_path, key_path = directory / CERT_FILE, directory / KEY_FILE
    _write_private(key_path, _key_pem(server_key))
    _write_private(
        cert_path,
        server_cert.public_bytes(serialization.Encoding.PEM) + ca_cert.public_bytes(serialization.Encoding.PEM),
    )
    ca_shown = ca_path.resolve()
    notes.append(
        f"TLS: a certificate for {', '.join(names)} signed by the sandbox's {'new' if made else 'own'} CA; "
        f"trust the CA once: {ca_shown} (e.g. curl --cacert {ca_shown}, requests verify=..., REQUESTS_CA_BUNDLE)"
    )
    tls_settings = replace(settings, tls_cert=str(cert_path.resolve()), tls_key=str(key_path.resolve()))
    return Prepared(tls_settings, ca_shown, tuple(notes))


def server_names(host: str) -> tuple[str, ...]:
    """The local names, plus the bound host when it is one address or name (not a wildcard)."""
    bound = host.strip().strip("[]").lower()
    if bound in WILDCARD_BINDS or bound in LOCAL_NAMES:
        return LOCAL_NAMES
    return (*LOCAL_NAMES, bound)


def _new_ca() -> tuple[Any, Any]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "vendor-sandbox"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"vendor-sandbox local CA ({os.uname().nodename[:40]})"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def _new_server_certificate(ca_key: Any, ca_cert: Any, names: Sequence[str]) -> tuple[Any, Any]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    alternative: list[x509.GeneralName] = []
    for name in names:
        try:
            alternative.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alternative.append(x509.DNSName(name))
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(min(now + datetime.timedelta(days=SERVER_DAYS), ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(alternative), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, certificate


def _key_usage(*, cert_sign: bool) -> Any:
    from cryptography import x509

    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _key_pem(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    pem: bytes = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem


def _write_private(path: Path, data: bytes) -> None:
    """Write ``path`` 0600 from its first byte (never through a link), replacing it whole."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        descriptor = os.open(temporary, flags, FILE_MODE)
        try:
            os.fchmod(descriptor, FILE_MODE)
            os.write(descriptor, data)
        finally:
            os.close(descriptor)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise TlsError(f"cannot write {path.resolve()}: {error.strerror or error}") from None
