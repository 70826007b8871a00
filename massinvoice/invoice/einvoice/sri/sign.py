"""The XAdES-BES enveloped signature that SRI's validator accepts.

As the SRI's technical sheet and its validator want it: XAdES 1.3.2 with the ``etsi`` prefix,
RSA-SHA1 and SHA-1 digests, inclusive Canonical XML 1.0 (no comments), and three references in
this order: the SignedProperties (with their ``Type``), the KeyInfo (the certificate and its
RSA key value) and ``#comprobante`` with the enveloped-signature transform. The
SignedProperties carry the signing time at Ecuador's offset, the certificate's SHA-1 digest, its
issuer (RFC 4514 text with ``EMAILADDRESS`` for the e-mail attribute, as SRI parses it) and its
full decimal serial, and the signed document's format (text/xml).

SHA-1 is what SRI verifies; this module does not choose it for its strength. Each digest is over
the element canonicalised in place (inclusive C14N carries the ``ds`` and ``etsi`` namespace
declarations of the enclosing Signature), so the bytes returned are exactly the bytes signed:
store and send them as they are, never re-serialised.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509.oid import NameOID
from lxml import etree

from massinvoice.invoice.einvoice.sri.clave import ECUADOR
from massinvoice.invoice.einvoice.sri.p12 import SigningCertificate, der_children, der_element

DS = "http://www.w3.org/2000/09/xmldsig#"
ETSI = "http://uri.etsi.org/01903/v1.3.2#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
RSA_SHA1 = DS + "rsa-sha1"
SHA1 = DS + "sha1"
ENVELOPED = DS + "enveloped-signature"
SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"
_NSMAP = {"ds": DS, "etsi": ETSI}
_NAMES = {NameOID.EMAIL_ADDRESS: "EMAILADDRESS"}


def issuer_name(signer: SigningCertificate) -> str:
    """The certificate's issuer as SRI's (Java) validator reads it.

    RFC 4514 text, last RDN first, with ``EMAILADDRESS`` for the e-mail attribute; an attribute
    type without a name is written as its dotted OID and ``#`` + the hex of its DER value (RFC
    4514 section 2.4), as Java writes it, never as plain text that would not compare equal.
    """
    name = signer.cert.issuer
    raw = _raw_values(name.public_bytes())
    parts = []
    for rdn_index, rdn in reversed(list(enumerate(name.rdns))):
        texts = []
        for attr_index, attr in enumerate(rdn):
            label = _NAMES.get(attr.oid) or attr.rfc4514_attribute_name
            if label == attr.oid.dotted_string:
                texts.append(f"{label}=#{raw[rdn_index][attr_index].hex()}")
            else:
                texts.append(attr.rfc4514_string({attr.oid: label}))
        parts.append("+".join(texts))
    return ",".join(parts)


def _raw_values(name_der: bytes) -> list[list[bytes]]:
    """The DER (tag, length, value) of each attribute value of a Name, by RDN then attribute."""
    _tag, start, end = der_element(name_der, 0)
    rdns = []
    for _t, rdn_start, rdn_end in der_children(name_der, start, end):
        values = []
        for _t2, attr_start, _attr_end in der_children(name_der, rdn_start, rdn_end):
            _t3, _s, value_at = der_element(name_der, attr_start)  # skip the type's OID
            values.append(name_der[value_at : der_element(name_der, value_at)[2]])
        rdns.append(values)
    return rdns


def sign(xml: bytes, signer: SigningCertificate, *, now: dt.datetime | None = None) -> bytes:
    """``xml`` (a comprobante with ``id="comprobante"``) with its XAdES-BES signature appended."""
    root = etree.fromstring(xml, etree.XMLParser(remove_blank_text=False, resolve_entities=False))
    if root.get("id") != "comprobante":
        raise ValueError('the document to sign needs id="comprobante" on its root')
    if root.find(f"{{{DS}}}Signature") is not None:
        raise ValueError("the document is already signed")
    document_digest = _digest(root)  # the enveloped transform: the document without signature
    when = (now or dt.datetime.now(ECUADOR)).astimezone(ECUADOR).replace(microsecond=0)
    n = secrets.randbelow(900_000) + 100_000
    ids = {name: f"{name}{n}" for name in ("Signature", "SignedInfo", "SignatureValue",
                                           "Certificate", "Reference-ID-", "Object")}  # fmt: skip
    signed_props_id = f"Signature{n}-SignedProperties{n}"
    signed_props_ref = f"SignedPropertiesID{n}"

    signature = etree.SubElement(root, _ds("Signature"), nsmap=_NSMAP, Id=ids["Signature"])
    signed_info = _el(signature, "ds", "SignedInfo", Id=ids["SignedInfo"])
    _el(signed_info, "ds", "CanonicalizationMethod", Algorithm=C14N)
    _el(signed_info, "ds", "SignatureMethod", Algorithm=RSA_SHA1)
    ref_props = _reference(signed_info, f"#{signed_props_id}", Id=signed_props_ref,
                           Type=SIGNED_PROPERTIES_TYPE)  # fmt: skip
    ref_keyinfo = _reference(signed_info, f"#{ids['Certificate']}")
    ref_doc = _reference(signed_info, "#comprobante", Id=ids["Reference-ID-"], enveloped=True)
    signature_value = _el(signature, "ds", "SignatureValue", Id=ids["SignatureValue"])
    key_info = _key_info(signature, signer, ids["Certificate"])
    obj = _el(signature, "ds", "Object", Id=f"Signature{n}-Object{n}")
    props = _signed_properties(obj, signer, when, ids, signed_props_id)

    _set_digest(ref_props, _digest(props))
    _set_digest(ref_keyinfo, _digest(key_info))
    _set_digest(ref_doc, document_digest)
    canonical = etree.tostring(signed_info, method="c14n", exclusive=False, with_comments=False)
    value = signer.key.sign(canonical, padding.PKCS1v15(), hashes.SHA1())
    signature_value.text = _b64(value)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _signed_properties(obj: etree._Element, signer: SigningCertificate, when: dt.datetime,
                       ids: dict[str, str], props_id: str) -> etree._Element:  # fmt: skip
    qualifying = _el(obj, "etsi", "QualifyingProperties", Target=f"#{ids['Signature']}")
    props = _el(qualifying, "etsi", "SignedProperties", Id=props_id)
    sig_props = _el(props, "etsi", "SignedSignatureProperties")
    _el(sig_props, "etsi", "SigningTime").text = when.isoformat()
    cert = _el(_el(sig_props, "etsi", "SigningCertificate"), "etsi", "Cert")
    cert_digest = _el(cert, "etsi", "CertDigest")
    _el(cert_digest, "ds", "DigestMethod", Algorithm=SHA1)
    der = signer.cert.public_bytes(serialization.Encoding.DER)
    _el(cert_digest, "ds", "DigestValue").text = _b64(hashlib.sha1(der).digest())
    serial = _el(cert, "etsi", "IssuerSerial")
    _el(serial, "ds", "X509IssuerName").text = issuer_name(signer)
    _el(serial, "ds", "X509SerialNumber").text = str(signer.cert.serial_number)
    data_props = _el(props, "etsi", "SignedDataObjectProperties")
    fmt = _el(data_props, "etsi", "DataObjectFormat", ObjectReference=f"#{ids['Reference-ID-']}")
    _el(fmt, "etsi", "Description").text = "contenido comprobante"
    _el(fmt, "etsi", "MimeType").text = "text/xml"
    return props


def _key_info(signature: etree._Element, signer: SigningCertificate, key_id: str) -> etree._Element:
    key_info = _el(signature, "ds", "KeyInfo", Id=key_id)
    x509_data = _el(key_info, "ds", "X509Data")
    der = signer.cert.public_bytes(serialization.Encoding.DER)
    _el(x509_data, "ds", "X509Certificate").text = _b64(der)
    numbers = signer.key.public_key().public_numbers()
    rsa_value = _el(_el(key_info, "ds", "KeyValue"), "ds", "RSAKeyValue")
    _el(rsa_value, "ds", "Modulus").text = _b64(_unsigned(numbers.n))
    _el(rsa_value, "ds", "Exponent").text = _b64(_unsigned(numbers.e))
    return key_info


def _reference(signed_info: etree._Element, uri: str, *, enveloped: bool = False,
               **attrs: str) -> etree._Element:  # fmt: skip
    ref = _el(signed_info, "ds", "Reference", **attrs, URI=uri)
    if enveloped:
        _el(_el(ref, "ds", "Transforms"), "ds", "Transform", Algorithm=ENVELOPED)
    _el(ref, "ds", "DigestMethod", Algorithm=SHA1)
    _el(ref, "ds", "DigestValue")
    return ref


def _set_digest(ref: etree._Element, digest: str) -> None:
    ref.find(_ds("DigestValue")).text = digest


def _digest(el: etree._Element) -> str:
    canonical = etree.tostring(el, method="c14n", exclusive=False, with_comments=False)
    return _b64(hashlib.sha1(canonical).digest())


def _el(parent: etree._Element, prefix: str, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{_NSMAP[prefix]}}}{tag}", attrs)


def _ds(tag: str) -> str:
    return f"{{{DS}}}{tag}"


def _unsigned(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
