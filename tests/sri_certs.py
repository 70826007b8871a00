"""Test certificates like those Ecuador's providers issue: one .p12 holding two keys.

A test CA issues a signing certificate (key usage digitalSignature + nonRepudiation) and an
encryption one (keyEncipherment), with an issuer name that has an e-mail address and an
attribute no library names (RFC 4514 writes it as a dotted OID), and serials too long for a
64-bit integer. :func:`two_key_p12` writes both keys and certificates into one PKCS #12 file
(the encryption key first, as the file that trips signers up has it), with its SHA-256 MAC.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID, ObjectIdentifier

UNKNOWN_OID = ObjectIdentifier("1.3.6.1.4.1.37746.3.11")
ISSUER = x509.Name([
    x509.NameAttribute(NameOID.COUNTRY_NAME, "EC"),
    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "AUTORIDAD DE CERTIFICACION DE PRUEBA"),
    x509.NameAttribute(NameOID.EMAIL_ADDRESS, "ca@pruebas.example"),
    x509.NameAttribute(UNKNOWN_OID, "0990000000001"),
    x509.NameAttribute(NameOID.COMMON_NAME, "AC PRUEBAS, CONDOR"),
])  # fmt: skip


@dataclass(frozen=True)
class Certs:
    ca_key: rsa.RSAPrivateKey
    ca: x509.Certificate
    sign_key: rsa.RSAPrivateKey
    sign: x509.Certificate
    crypt_key: rsa.RSAPrivateKey
    crypt: x509.Certificate

    def pem(self, cert: x509.Certificate) -> bytes:
        return cert.public_bytes(serialization.Encoding.PEM)


def make_certs(now: dt.datetime | None = None) -> Certs:
    now = now or dt.datetime.now(dt.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = (
        x509.CertificateBuilder().subject_name(ISSUER).issuer_name(ISSUER)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(cert_sign=True), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip

    def leaf(cn: str, usage: x509.KeyUsage) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, cn),
                x509.NameAttribute(NameOID.SERIAL_NUMBER, "1791234567001"),
            ]
        )
        cert = (
            x509.CertificateBuilder().subject_name(subject).issuer_name(ISSUER)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=20))
            .add_extension(usage, critical=True).sign(ca_key, hashes.SHA256())
        )  # fmt: skip
        return key, cert

    sign_key, sign = leaf("FIRMA CONDOR ANDINO", _usage(digital_signature=True))
    crypt_key, crypt = leaf("CIFRADO CONDOR ANDINO", _usage(key_encipherment=True))
    return Certs(ca_key, ca, sign_key, sign, crypt_key, crypt)


def _usage(**on: bool) -> x509.KeyUsage:
    names = (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    )
    flags = {n: on.get(n, False) for n in names}
    if flags["digital_signature"]:
        flags["content_commitment"] = True
    if flags["cert_sign"]:
        flags["crl_sign"] = True
    return x509.KeyUsage(key_cert_sign=flags.pop("cert_sign"), **flags)


# --- a two-key PKCS #12, written by hand (no library writes one) -------------------------------


def _tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + content


def _seq(*parts: bytes) -> bytes:
    return _tlv(0x30, b"".join(parts))


def _set(*parts: bytes) -> bytes:
    return _tlv(0x31, b"".join(parts))


def _oid(dotted: str) -> bytes:
    nums = [int(x) for x in dotted.split(".")]
    body = bytes([nums[0] * 40 + nums[1]])
    for n in nums[2:]:
        chunk = [n & 0x7F]
        while n > 0x7F:
            n >>= 7
            chunk.append(0x80 | (n & 0x7F))
        body += bytes(reversed(chunk))
    return _tlv(0x06, body)


def _int(n: int) -> bytes:
    return _tlv(0x02, n.to_bytes(n.bit_length() // 8 + 1, "big"))


def _octets(data: bytes) -> bytes:
    return _tlv(0x04, data)


def _explicit0(data: bytes) -> bytes:
    return _tlv(0xA0, data)


DATA = "1.2.840.113549.1.7.1"
SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2"
CERT_BAG = "1.2.840.113549.1.12.10.1.3"
X509_CERT = "1.2.840.113549.1.9.22.1"
LOCAL_KEY_ID = "1.2.840.113549.1.9.21"
FRIENDLY_NAME = "1.2.840.113549.1.9.20"
SHA256 = "2.16.840.1.101.3.4.2.1"


def _attrs(key_id: bytes, name: str) -> bytes:
    return _set(
        _seq(_oid(LOCAL_KEY_ID), _set(_octets(key_id))),
        _seq(_oid(FRIENDLY_NAME), _set(_tlv(0x1E, name.encode("utf-16-be")))),
    )


def _p12_kdf(password: bytes, salt: bytes, iterations: int, purpose: int, size: int) -> bytes:
    """RFC 7292 appendix B key derivation with SHA-256 (here for the MAC key)."""
    u, v = 32, 64
    pw = password.decode().encode("utf-16-be") + b"\0\0"

    def fill(data: bytes) -> bytes:
        return (data * (v * ((len(data) + v - 1) // v) // max(len(data), 1) + 1))[
            : v * ((len(data) + v - 1) // v)
        ]

    block = fill(salt) + fill(pw)
    out = b""
    while len(out) < size:
        a = hashlib.sha256(bytes([purpose]) * v + block).digest()
        for _ in range(iterations - 1):
            a = hashlib.sha256(a).digest()
        out += a
        b = int.from_bytes((a * (v // u + 1))[:v], "big")
        block = b"".join(
            ((int.from_bytes(block[j : j + v], "big") + b + 1) % (1 << (v * 8))).to_bytes(v, "big")
            for j in range(0, len(block), v)
        )
    return out[:size]


def two_key_p12(certs: Certs, password: bytes, *, signing_first: bool = False) -> bytes:
    """A .p12 with the encryption key and certificate, then the signing ones (or the reverse)."""
    enc = serialization.BestAvailableEncryption(password)

    def pair(key: rsa.RSAPrivateKey, cert: x509.Certificate, name: str, key_id: bytes) -> bytes:
        pkcs8 = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                  enc)  # fmt: skip
        cert_der = cert.public_bytes(serialization.Encoding.DER)
        key_bag = _seq(_oid(SHROUDED_KEY_BAG), _explicit0(pkcs8), _attrs(key_id, name))
        cert_bag = _seq(_oid(CERT_BAG),
                        _explicit0(_seq(_oid(X509_CERT), _explicit0(_octets(cert_der)))),
                        _attrs(key_id, name))  # fmt: skip
        return key_bag + cert_bag

    parts = [pair(certs.crypt_key, certs.crypt, "cifrado", b"\x01"),
             pair(certs.sign_key, certs.sign, "firma", b"\x02")]  # fmt: skip
    if signing_first:
        parts.reverse()
    safe_contents = _seq(*parts)
    auth_safe = _seq(_seq(_oid(DATA), _explicit0(_octets(safe_contents))))
    salt, iterations = os.urandom(16), 2048
    mac_key = _p12_kdf(password, salt, iterations, 3, 32)
    mac = hmac.new(mac_key, auth_safe, hashlib.sha256).digest()
    mac_data = _seq(_seq(_seq(_oid(SHA256), _tlv(0x05, b"")), _octets(mac)), _octets(salt),
                    _int(iterations))  # fmt: skip
    return _seq(_int(3), _seq(_oid(DATA), _explicit0(_octets(auth_safe))), mac_data)
