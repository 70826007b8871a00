"""The signing key and certificate from a .p12, choosing the one for digital signatures.

Certificates from Ecuador's providers often hold two keys in one .p12: one for signing
(key usage *digitalSignature*) and one for encryption (*keyEncipherment*). The SRI accepts only
the signing one; signing with the other is the classic "39 FIRMA INVALIDA". ``cryptography``
returns every certificate of a .p12 but one key only, so the key bags are read here from the
PKCS #12 structure (its plain ``data`` parts, where key bags live; each key bag is decrypted by
``cryptography``), and each certificate is paired with the key whose public half it carries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from massinvoice.problems import CONFIG, Code, ConfigError, Problem

_DATA = "1.2.840.113549.1.7.1"
_KEY_BAG = "1.2.840.113549.1.12.10.1.1"
_SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2"


@dataclass(frozen=True)
class SigningCertificate:
    """An RSA private key and the certificate of its public key."""

    key: rsa.RSAPrivateKey
    cert: x509.Certificate


def load_signing_certificate(
    data: bytes, password: bytes, *, now: dt.datetime | None = None
) -> SigningCertificate:
    """The digital-signature key of a .p12 and its certificate; ConfigError when there is none."""
    try:
        bundle = pkcs12.load_pkcs12(data, password)
    except ValueError:
        raise _problem("the .p12 certificate cannot be opened: wrong password or not a .p12",
                       "check the file and the password variable") from None  # fmt: skip
    keys = [bundle.key] if bundle.key is not None else []
    for der in _key_bags(data):
        try:
            key = serialization.load_der_private_key(der, password)
        except (ValueError, TypeError):
            try:
                key = serialization.load_der_private_key(der, None)
            except (ValueError, TypeError):
                continue
        keys.append(key)
    certs = [c.certificate for c in (bundle.cert, *bundle.additional_certs) if c is not None]
    pairs = [(k, c) for c in certs for k in keys if _same_key(k, c)]
    if not pairs:
        raise _problem("the .p12 holds no private key with its certificate",
                       "export the certificate again with its private key")  # fmt: skip
    signing = [p for p in pairs if _signs(p[1])] or [p for p in pairs if _usage(p[1]) is None]
    if not signing:
        raise _problem("the .p12 holds no key for digital signatures (only encryption keys)",
                       "ask the certificate provider for the signing certificate")  # fmt: skip
    when = now or dt.datetime.now(dt.UTC)
    current = [p for p in signing if p[1].not_valid_before_utc <= when <= p[1].not_valid_after_utc]
    key, cert = (current or signing)[0]
    if not isinstance(key, rsa.RSAPrivateKey):
        raise _problem("the signing key is not RSA; SRI takes RSA-SHA1 signatures only",
                       "use the RSA certificate your provider issued")  # fmt: skip
    return SigningCertificate(key, cert)


def _usage(cert: x509.Certificate) -> x509.KeyUsage | None:
    try:
        return cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None


def _signs(cert: x509.Certificate) -> bool:
    usage = _usage(cert)
    return usage is not None and usage.digital_signature


def _same_key(key: object, cert: x509.Certificate) -> bool:
    public = getattr(key, "public_key", None)
    return public is not None and public() == cert.public_key()


def _problem(message: str, hint: str) -> ConfigError:
    return ConfigError(Problem(Code.SRI_P12, message, column="sri.p12", hint=hint, level=CONFIG))


# --- just enough DER to find the key bags (and read a name's raw values) -----------------------------------------------------


def der_element(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the DER element at ``pos``."""
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0:
            raise ValueError("indefinite lengths are not read here")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    end = pos + length
    if end > len(data):
        raise ValueError("truncated DER")
    return tag, pos, end


def der_children(data: bytes, start: int, end: int) -> Iterator[tuple[int, int, int]]:
    """The elements between ``start`` and ``end``, as (tag, content start, content end)."""
    pos = start
    while pos < end:
        tag, s, e = der_element(data, pos)
        yield tag, s, e
        pos = e


def _oid(der: bytes) -> str:
    first, rest = divmod(der[0], 40) if der[0] < 80 else (2, der[0] - 80)
    parts, value = [first, rest], 0
    for byte in der[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return ".".join(map(str, parts))


def _octets(data: bytes, tag: int, s: int, e: int) -> bytes:
    if tag == 0x04:
        return data[s:e]
    if tag == 0x24:  # constructed OCTET STRING: its pieces, in order
        return b"".join(_octets(data, t, a, b) for t, a, b in der_children(data, s, e))
    raise ValueError("expected an OCTET STRING")


def _content_info(data: bytes, s: int, e: int) -> tuple[str, bytes | None]:
    """A ContentInfo's type and, for plain data, its octets."""
    (_t1, s1, e1), (_t2, s2, e2) = list(der_children(data, s, e))[:2]
    kind = _oid(data[s1:e1])
    if kind != _DATA:
        return kind, None
    tag, a, b = next(der_children(data, s2, e2))
    return kind, _octets(data, tag, a, b)


def _key_bags(pfx: bytes) -> list[bytes]:
    """The DER of each key bag in the plain parts of a .p12 (empty when unreadable)."""
    try:
        _tag, s, e = der_element(pfx, 0)
        _version, auth = list(der_children(pfx, s, e))[:2]
        _kind, safe = _content_info(pfx, auth[1], auth[2])
        if safe is None:
            return []
        bags: list[bytes] = []
        _t, ss, se = der_element(safe, 0)
        for _tag, cs, ce in der_children(safe, ss, se):
            _k, contents = _content_info(safe, cs, ce)
            if contents is None:
                continue  # encrypted part: certificates, which cryptography gave us
            _t2, bs, be = der_element(contents, 0)
            for _tag3, b1, b2 in der_children(contents, bs, be):
                bag_id, value = list(der_children(contents, b1, b2))[:2]
                if _oid(contents[bag_id[1] : bag_id[2]]) in (_KEY_BAG, _SHROUDED_KEY_BAG):
                    _t4, _vs, ve = der_element(contents, value[1])
                    bags.append(contents[value[1] : ve])
        return bags
    except (ValueError, IndexError):
        return []
