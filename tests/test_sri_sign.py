"""XAdES-BES signatures of SRI documents, checked by an independent verifier (xmlsec1)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from lxml import etree

from massinvoice.invoice.einvoice.sri.comprobante import build_factura
from massinvoice.invoice.einvoice.sri.p12 import load_signing_certificate
from massinvoice.invoice.einvoice.sri.sign import DS, ETSI, sign
from massinvoice.problems import ConfigError
from tests.sri_certs import Certs, make_certs, two_key_p12
from tests.sri_fixtures import SETTINGS, export_invoice
from tests.test_sri_comprobante import KEY

PASSWORD = b"cl4ve-de-prueba"
NS = {"ds": DS, "etsi": ETSI}
needs_xmlsec1 = pytest.mark.skipif(
    shutil.which("xmlsec1") is None,
    reason="xmlsec1 (Debian package xmlsec1, in ci/system-packages.sh) is not installed",
)


@pytest.fixture(scope="module")
def certs() -> Certs:
    return make_certs()


@pytest.fixture(scope="module")
def signed(certs: Certs) -> bytes:
    signer = load_signing_certificate(two_key_p12(certs, PASSWORD), PASSWORD)
    now = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)
    return sign(build_factura(export_invoice(), SETTINGS, KEY), signer, now=now)


def xmlsec1_verify(xml: bytes, certs: Certs, folder: Path) -> subprocess.CompletedProcess:
    (folder / "ca.pem").write_bytes(certs.pem(certs.ca))
    (folder / "doc.xml").write_bytes(xml)
    cmd = ["xmlsec1", "--verify", "--trusted-pem", str(folder / "ca.pem"),
           "--id-attr:id", "factura", "--id-attr:Id", f"{ETSI}:SignedProperties",
           str(folder / "doc.xml")]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def test_the_digital_signature_key_is_picked_from_a_p12_holding_two(certs):
    data = two_key_p12(certs, PASSWORD)
    # the trap: a plain load takes the first key, the encryption one SRI refuses (error 39)
    assert pkcs12.load_pkcs12(data, PASSWORD).key.public_key() == certs.crypt_key.public_key()
    for p12 in (data, two_key_p12(certs, PASSWORD, signing_first=True)):
        signer = load_signing_certificate(p12, PASSWORD)
        assert signer.cert == certs.sign
        assert signer.key.public_key() == certs.sign_key.public_key()


def test_a_p12_without_a_signing_key_or_with_the_wrong_password_is_a_clear_problem(certs):
    only_crypt = pkcs12.serialize_key_and_certificates(
        b"cifrado", certs.crypt_key, certs.crypt, None,
        pkcs12.serialization.BestAvailableEncryption(PASSWORD),
    )  # fmt: skip
    with pytest.raises(ConfigError, match="no key for digital signatures"):
        load_signing_certificate(only_crypt, PASSWORD)
    with pytest.raises(ConfigError, match="wrong password"):
        load_signing_certificate(two_key_p12(certs, PASSWORD), b"other")


def test_the_signature_has_the_shape_sri_accepts(signed, certs):
    root = etree.fromstring(signed)
    sig = root[-1]
    assert sig.tag == f"{{{DS}}}Signature" and sig.prefix == "ds"
    assert sig.nsmap["etsi"] == ETSI
    info = sig.find("ds:SignedInfo", NS)
    assert info.find("ds:CanonicalizationMethod", NS).get("Algorithm") == (
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
    )
    assert info.find("ds:SignatureMethod", NS).get("Algorithm") == f"{DS}rsa-sha1"
    refs = info.findall("ds:Reference", NS)
    assert len(refs) == 3
    assert refs[0].get("Type") == "http://uri.etsi.org/01903#SignedProperties"
    assert refs[0].get("URI") == "#" + sig.find(".//etsi:SignedProperties", NS).get("Id")
    assert refs[1].get("URI") == "#" + sig.find("ds:KeyInfo", NS).get("Id")
    assert refs[2].get("URI") == "#comprobante"
    assert refs[2].find("ds:Transforms/ds:Transform", NS).get("Algorithm") == (
        f"{DS}enveloped-signature"
    )
    assert {r.find("ds:DigestMethod", NS).get("Algorithm") for r in refs} == {f"{DS}sha1"}
    key_info = sig.find("ds:KeyInfo", NS)
    assert key_info.find("ds:X509Data/ds:X509Certificate", NS) is not None
    assert key_info.find("ds:KeyValue/ds:RSAKeyValue/ds:Modulus", NS) is not None
    props = sig.find(".//etsi:SignedSignatureProperties", NS)
    assert props.findtext("etsi:SigningTime", namespaces=NS) == "2026-11-20T10:30:00-05:00"
    issuer = props.findtext(".//ds:X509IssuerName", namespaces=NS)
    assert "EMAILADDRESS=ca@pruebas.example" in issuer
    assert "1.3.6.1.4.1.37746.3.11=#" in issuer  # RFC 4514 form of an unnamed attribute
    serial = props.findtext(".//ds:X509SerialNumber", namespaces=NS)
    assert serial == str(certs.sign.serial_number) and len(serial) > 20
    fmt = sig.find(".//etsi:DataObjectFormat", NS)
    assert fmt.get("ObjectReference") == "#" + refs[2].get("Id")
    assert fmt.findtext("etsi:MimeType", namespaces=NS) == "text/xml"


@needs_xmlsec1
def test_xmlsec1_verifies_the_signature_and_fails_after_one_flipped_byte(signed, certs, tmp_path):
    ok = xmlsec1_verify(signed, certs, tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "SignedInfo References (ok/all): 3/3" in ok.stderr
    text = signed.decode()
    for anchor in ("<importeTotal>299.25", "<etsi:SigningTime>2026", "<ds:Modulus>"):
        at = text.index(anchor) + len(anchor) + 1
        flipped = text[:at] + ("1" if text[at] != "1" else "2") + text[at + 1 :]
        bad = xmlsec1_verify(flipped.encode(), certs, tmp_path)
        assert bad.returncode != 0, anchor
    value_at = text.index("<ds:SignatureValue")
    value_at = text.index(">", value_at) + 5
    flipped = text[:value_at] + ("A" if text[value_at] != "A" else "B") + text[value_at + 1 :]
    assert xmlsec1_verify(flipped.encode(), certs, tmp_path).returncode != 0


@needs_xmlsec1
def test_a_signature_by_the_encryption_key_would_not_verify_as_the_signing_certificate(
    certs, tmp_path
):
    from massinvoice.invoice.einvoice.sri.p12 import SigningCertificate

    wrong = SigningCertificate(certs.crypt_key, certs.sign)  # the mix-up behind error 39
    xml = sign(build_factura(export_invoice(), SETTINGS, KEY), wrong)
    assert xmlsec1_verify(xml, certs, tmp_path).returncode != 0


def test_signing_twice_or_a_document_without_its_id_is_refused(signed, certs):
    signer = load_signing_certificate(two_key_p12(certs, PASSWORD), PASSWORD)
    with pytest.raises(ValueError, match="already signed"):
        sign(signed, signer)
    with pytest.raises(ValueError, match="comprobante"):
        sign(b"<factura version='2.1.0'/>", signer)
