"""A throwaway certificate authority and loopback server certificate for the simulators.

msal refuses ``http://`` authorities (``../shared/samples/msgraph.md``, "Testing the token
flow on loopback"), so the Graph simulator serves TLS. The CA lives only in the folder it is
written to; the source trusts it through ``--ca-bundle``, the same path a real deployment
behind a TLS-inspecting proxy takes.
"""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass
class LoopbackTls:
    """What a TLS simulator needs: the server context, and the CA file clients trust."""

    context: ssl.SSLContext
    ca_pem: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "histview demo"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _ca(now: datetime) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("histview throwaway demo CA"))
        .issuer_name(_name("histview throwaway demo CA"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=True, crl_sign=True,
            content_commitment=False, key_encipherment=False, data_encipherment=False,
            key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _server(ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate,
            now: datetime) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def make_loopback_tls(folder: Path) -> LoopbackTls:
    """Write ``ca.pem``, ``server.pem`` and ``server-key.pem`` into ``folder``.

    Returns the server ``SSLContext`` (for ``Simulator.start(tls=...)``) and the CA path
    (for the source's ``ca_bundle``). A fresh CA each call: nothing outlives the demo.
    """
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    ca_key, ca_cert = _ca(now)
    key, cert = _server(ca_key, ca_cert, now)
    ca_pem = folder / "ca.pem"
    cert_pem = folder / "server.pem"
    key_pem = folder / "server-key.pem"
    ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM)
                         + ca_cert.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(_pem_key(key))
    key_pem.chmod(0o600)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_pem, key_pem)
    return LoopbackTls(context, ca_pem)
