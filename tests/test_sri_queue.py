"""SRI reception and authorisation against a loopback stub: every invoice ends AUTORIZADO or
parked with its reason, none re-numbered, none sent twice, whatever the SRI does."""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from massinvoice.config import Series
from massinvoice.invoice.einvoice.sri.clave import parse_key
from massinvoice.invoice.einvoice.sri.client import (
    AUTHORISED,
    PARKED,
    QUEUED,
    SENT,
    Authorization,
    Message,
    SriClient,
    SriUnavailable,
    after_authorization,
)
from massinvoice.invoice.einvoice.sri.p12 import load_signing_certificate
from massinvoice.invoice.einvoice.sri.queue import SriQueue
from massinvoice.invoice.einvoice.sri.sign import ETSI
from massinvoice.invoice.einvoice.sri.state import (
    create_credit_note,
    documents,
    get_document,
    keys_writer,
    requeue,
)
from massinvoice.problems import RegistryError
from massinvoice.registry.numbering import Draft, Registry
from tests.registry_fixtures import pg_server_url, registry_url  # noqa: F401
from tests.sri_certs import make_certs, two_key_p12
from tests.sri_fixtures import NOW, SETTINGS, export_invoice, sri_xsd_fixture, xsd_errors  # noqa: F401
from tests.sri_stub import SriStub

PASSWORD = b"prueba"
SERIES = Series("001-001", "001-001-{seq:09d}", 4561)


@pytest.fixture(scope="module")
def signer():
    certs = make_certs()
    return load_signing_certificate(two_key_p12(certs, PASSWORD), PASSWORD)


@pytest.fixture
def stub():
    s = SriStub(today=NOW.date()).start()
    yield s
    s.stop()


@pytest.fixture
def registry(tmp_path: Path):
    with Registry(f"sqlite:///{tmp_path / 'registry.sqlite'}", create=True) as reg:
        yield reg


def issue(registry: Registry, n: int = 1, settings=SETTINGS, prefix: str = "PO") -> list[str]:
    """Number ``n`` invoices as the invoice run does, with their SRI keys in the same write."""
    drafts = []
    for i in range(n):
        invoice = replace(export_invoice(), order_nos=(f"{prefix}-{i}",), date=NOW.date())
        drafts.append(Draft(orders=(f"{prefix}-{i}",), customer=invoice.bill_customer, date=invoice.date,
                            currency="USD", total=invoice.total,
                            payload={"invoice": invoice.to_dict()}))  # fmt: skip
    run_id = registry.start_run({"test": "sri"})
    records, conflicts = registry.reserve(
        SERIES, drafts, run_id, with_numbers=keys_writer(registry, settings)
    )
    registry.finish_run(run_id, {})  # its invoices stay pending, as after a crash
    assert not conflicts
    return [r.number for r in records]


def queue(registry, stub, signer, timeout=2.0, settings=SETTINGS):
    client = SriClient(stub.url, timeout=timeout)
    return SriQueue(registry, settings, client, lambda: signer, clock=lambda: NOW)


def test_an_invoice_goes_from_its_number_to_authorised(registry, stub, signer):
    [number] = issue(registry)
    doc = get_document(registry, number)
    assert doc.state == QUEUED and doc.xml is None
    assert parse_key(doc.clave).number == number == "001-001-000004561"
    report = queue(registry, stub, signer).run()
    assert [d.number for d in report.authorised] == [number]
    doc = get_document(registry, number)
    assert doc.state == AUTHORISED and doc.authorization == doc.clave
    assert doc.authorized_at == "2026-11-20T10:31:02-05:00"
    assert stub.received == [(doc.clave, doc.xml)]  # the stored bytes are the sent bytes
    assert etree.fromstring(doc.xml).findtext("infoTributaria/claveAcceso") == doc.clave


def test_the_key_is_stored_with_the_number_and_never_made_again(registry, stub, signer):
    numbers = issue(registry, 3)
    before = {d.number: d.clave for d in documents(registry)}
    assert set(before) == set(numbers) and len(set(before.values())) == 3
    stub.faults = ["500"]  # the SRI is down for the first pass
    report = queue(registry, stub, signer).run()
    assert len(report.waiting) == 3 and "HTTP 500" in report.waiting[0][1]
    assert "not tried in this pass" in report.waiting[2][1]
    assert len(stub.requests) == 0  # one request failed (500), the other two were not tried
    queue(registry, stub, signer).run()  # a rerun, as after a restart
    after = {d.number: (d.clave, d.state) for d in documents(registry)}
    assert after == {n: (before[n], AUTHORISED) for n in numbers}
    assert sorted(stub.sent_keys()) == sorted(before.values())


@pytest.mark.parametrize("code", ["35", "39", "52", "65", "26"])
def test_a_devuelta_is_parked_with_the_sris_message(registry, stub, signer, code):
    [number] = issue(registry)
    stub.refuse[get_document(registry, number).clave] = code
    report = queue(registry, stub, signer).run()
    [parked] = report.parked
    assert parked.state == PARKED and parked.messages[0].code == code
    assert any(code in line for line in report.lines())
    # a person fixes it; it goes again under the same number and key
    requeue(registry, number)
    queue(registry, stub, signer).run()
    doc = get_document(registry, number)
    assert doc.state == AUTHORISED and doc.clave == parked.clave


def test_the_stub_itself_refuses_a_wrong_date_and_an_unknown_ruc(registry, stub, signer):
    [number] = issue(registry)
    stub.today = NOW.date() + dt.timedelta(days=1)  # a server that thinks it is tomorrow
    queue(registry, stub, signer).run()
    assert get_document(registry, number).messages[0].code == "65"
    other = replace(SETTINGS, ruc="0990000000001")
    with Registry(
        str(registry.url).replace("registry.sqlite", "other.sqlite"), create=True
    ) as second:
        [n2] = issue(second, settings=other)
        queue(second, stub, signer, settings=other).run()
        assert get_document(second, n2).messages[0].code == "26"


def test_en_proceso_for_several_polls_then_authorised(registry, stub, signer):
    [number] = issue(registry)
    stub.in_process[get_document(registry, number).clave] = 3
    q = queue(registry, stub, signer)
    for _ in range(3):
        report = q.run()
        assert report.waiting and get_document(registry, number).state == SENT
    assert q.run().authorised
    assert len(stub.received) == 1  # polled four times, sent once


def test_duplicate_entries_autorizado_wins_and_no_entries_is_not_success():
    ok = Authorization("AUTORIZADO", "k", "2026-11-20T10:31:02-05:00")
    no = Authorization("NO AUTORIZADO", messages=(Message("43", "CLAVE ACCESO REGISTRADA"),))
    assert after_authorization((no, ok)).state == AUTHORISED
    assert after_authorization((ok, no)).state == AUTHORISED
    assert after_authorization(()).state == SENT
    assert after_authorization((no,)).state == PARKED


def test_duplicate_entries_from_the_stub(registry, stub, signer):
    [number] = issue(registry)
    stub.duplicates.add(get_document(registry, number).clave)
    assert queue(registry, stub, signer).run().authorised


def test_no_autorizado_is_parked(registry, stub, signer):
    [number] = issue(registry)
    stub.rejected[get_document(registry, number).clave] = "52"
    report = queue(registry, stub, signer).run()
    assert report.parked and report.parked[0].messages[0].code == "52"


def test_a_send_killed_after_reaching_the_sri_is_not_sent_twice(registry, stub, signer):
    [number] = issue(registry)
    q = queue(registry, stub, signer)
    doc = get_document(registry, number)
    # the send reached the SRI, then the process died before storing the answer
    doc = q._store(doc, xml=q._signed(doc), attempts=1)
    SriClient(stub.url).send(doc.xml)
    assert len(stub.received) == 1
    report = q.run()
    assert report.authorised and len(stub.received) == 1
    assert [s for s, _ in stub.requests].count("reception") == 1


def test_a_resend_the_sri_already_holds_answers_43_and_is_not_a_failure(registry, stub, signer):
    [number] = issue(registry)
    q = queue(registry, stub, signer)
    doc = get_document(registry, number)
    doc = q._store(doc, xml=q._signed(doc))
    SriClient(stub.url).send(doc.xml)  # sent by another machine, say, with attempts lost
    q.run()
    assert get_document(registry, number).state == AUTHORISED
    assert stub.requests.count(("reception", doc.clave)) == 2  # the second got 43


def test_45_sequential_registered_never_makes_a_new_key(registry, stub, signer):
    [number] = issue(registry)
    doc = get_document(registry, number)
    stub.refuse[doc.clave] = "45"  # the SRI holds the number under another key
    report = queue(registry, stub, signer).run()
    parked = get_document(registry, number)
    assert parked.state == PARKED and parked.clave == doc.clave
    assert [m.code for m in parked.messages] == ["45", "45"]
    assert "another clave" in str(parked.messages[1]) and report.parked


def test_45_for_a_number_the_sri_holds_under_our_key_is_looked_up(registry, stub, signer):
    [number] = issue(registry)
    q = queue(registry, stub, signer)
    doc = get_document(registry, number)
    signed = q._signed(doc)
    SriClient(stub.url).send(signed)  # it got there under our key, with bytes we lost
    q._store(doc, xml=signed)  # attempts lost as well: the queue does not know it was sent
    stub.refuse[doc.clave] = "45"
    assert q.run().authorised and get_document(registry, number).clave == doc.clave
    assert [c for s, c in stub.requests if s == "reception"] == [doc.clave, doc.clave]


def test_timeouts_http_500_and_refused_connections_leave_documents_queued(registry, stub, signer):
    [number] = issue(registry)
    stub.faults = ["slow"]
    assert get_document(registry, number).state == QUEUED
    report = queue(registry, stub, signer, timeout=0.3).run()
    assert report.waiting and "unavailable" in report.waiting[0][1]
    stub.faults = ["close"]
    assert queue(registry, stub, signer).run().waiting
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    refused = SriQueue(registry, SETTINGS, SriClient(f"http://127.0.0.1:{port}/", timeout=1),
                       lambda: signer, clock=lambda: NOW)  # fmt: skip
    report = refused.run()
    assert report.waiting and "refused" in report.waiting[0][1].lower()
    with pytest.raises(SriUnavailable):
        SriClient(f"http://127.0.0.1:{port}/", timeout=1).authorization("1" * 49)
    assert queue(registry, stub, signer).run().authorised
    assert get_document(registry, number).state == AUTHORISED
    assert len(stub.received) == 1


def test_pruebas_and_produccion_never_mix(registry, stub, signer):
    issue(registry)
    produccion = replace(SETTINGS, ambiente="produccion")
    with pytest.raises(RegistryError, match="never mix"):
        issue(registry, settings=produccion, prefix="PROD")
    report = queue(registry, stub, signer, settings=produccion).run()
    assert report.other_ambiente == 1 and not stub.received


def test_a_credit_note_for_an_authorised_invoice(registry, stub, signer):
    [number] = issue(registry)
    with pytest.raises(RegistryError, match="not authorised"):
        create_credit_note(registry, SETTINGS, number, reason="frozen", now=NOW)
    queue(registry, stub, signer).run()
    note = create_credit_note(registry, SETTINGS, number, reason="Flores congeladas",
                              positions=[2], now=NOW)  # fmt: skip
    assert note.number == "001-002-000000001" and note.doc == "04"
    assert parse_key(note.clave).document == "04"
    queue(registry, stub, signer).run()
    note = get_document(registry, note.number)
    assert note.state == AUTHORISED
    root = etree.fromstring(note.xml)
    assert root.tag == "notaCredito" and root.findtext("infoNotaCredito/numDocModificado") == number
    with pytest.raises(RegistryError, match="more than invoice"):
        create_credit_note(registry, SETTINGS, number, reason="all of it", now=NOW)


def test_keys_states_and_signed_bytes_on_both_backends(registry_url, stub, signer):  # noqa: F811
    with Registry(registry_url) as reg:
        numbers = issue(reg, 2)
        stub.faults = ["500"]
        queue(reg, stub, signer).run()
        queue(reg, stub, signer).run()
        docs = {d.number: d for d in documents(reg)}
        assert [docs[n].state for n in numbers] == [AUTHORISED, AUTHORISED]
        assert sorted(stub.received) == sorted((d.clave, d.xml) for d in docs.values())
        note = create_credit_note(reg, SETTINGS, numbers[0], reason="frozen", now=NOW)
        assert note.number == "001-002-000000001"


def test_an_answer_lost_after_the_sri_took_the_document_is_not_sent_twice(registry, stub, signer):
    [number] = issue(registry)
    stub.faults = ["late"]  # the SRI receives it, the answer comes after the client gave up
    report = queue(registry, stub, signer, timeout=0.3).run()
    assert report.waiting and get_document(registry, number).attempts == 1
    assert len(stub.received) == 1
    assert queue(registry, stub, signer).run().authorised
    assert [s for s, _ in stub.requests].count("reception") == 1  # looked up, not resent


def test_70_still_processing_on_reception_is_polled_not_resent(registry, stub, signer):
    [number] = issue(registry)
    stub.processing.add(get_document(registry, number).clave)
    report = queue(registry, stub, signer).run()
    assert report.authorised and len(stub.received) == 1
    assert get_document(registry, number).messages == ()


def test_the_wsdl_check_says_whether_the_services_answer(stub):
    assert SriClient(stub.url).check() == []
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    problems = SriClient(f"http://127.0.0.1:{port}/", timeout=1).check()
    assert len(problems) == 2 and all("refused" in p.lower() for p in problems)


@pytest.mark.skipif(shutil.which("xmlsec1") is None, reason="xmlsec1 is not installed")
def test_the_stub_checking_sris_xsd_and_the_signature_authorises_ours_and_parks_tampering(
    registry, stub, signer, sri_xsd, tmp_path
):
    """With the real schema and an independent signature check in the stand-in SRI."""
    ca_pem = tmp_path / "ca.pem"

    def verify(xml: bytes) -> bool:
        doc = tmp_path / "doc.xml"
        doc.write_bytes(xml)
        cert = etree.fromstring(xml).findtext(".//{*}X509Certificate")
        pem = "-----BEGIN CERTIFICATE-----\n" + cert + "\n-----END CERTIFICATE-----\n"
        ca_pem.write_text(pem)  # trust the document's own certificate: the bytes are the point
        done = subprocess.run(["xmlsec1", "--verify", "--pubkey-cert-pem", str(ca_pem),
                               "--id-attr:id", "factura", "--id-attr:Id",
                               f"{ETSI}:SignedProperties", str(doc)],
                              capture_output=True, timeout=60)  # fmt: skip
        return done.returncode == 0

    stub.validate = lambda xml: xsd_errors(sri_xsd, xml)
    stub.verify = verify
    first, second = issue(registry, 2)
    q = queue(registry, stub, signer)
    doc = get_document(registry, second)
    signed = q._signed(doc)
    tampered = signed.replace(b"<importeTotal>299.25<", b"<importeTotal>299.26<")
    q._store(doc, xml=tampered)  # bytes changed after signing
    report = q.run()
    assert [d.number for d in report.authorised] == [first]
    [parked] = report.parked
    assert parked.number == second and parked.messages[0].code == "39"
    requeue(registry, second)  # rebuilt and signed again, same number and key
    assert q.run().authorised and get_document(registry, second).clave == doc.clave


def test_a_document_that_cannot_be_built_any_more_is_parked_and_the_rest_go(registry, stub, signer):
    first, second = issue(registry, 2)
    no_countries = replace(SETTINGS, countries={})  # the config lost its country codes
    report = queue(registry, stub, signer, settings=no_countries).run()
    assert {d.number for d in report.parked} == {first, second}
    assert report.parked[0].messages[0].code == "sri_country" and not stub.received
    requeue(registry, first)
    assert [d.number for d in queue(registry, stub, signer).run().authorised] == [first]


def test_void_takes_a_never_sent_invoice_out_of_the_queue_and_refuses_one_in_flight(
    registry, stub, signer
):
    from massinvoice.invoice.einvoice.sri.flow import before_void
    from massinvoice.problems import InputError

    first, second = issue(registry, 2)
    after = before_void(registry, first, annulled_on_portal=False, today=NOW.date())
    registry.void(first, "wrong customer")
    assert "withdrawn" in after() and get_document(registry, first).state == "withdrawn"
    q = queue(registry, stub, signer)
    doc = get_document(registry, second)
    q._store(doc, state=SENT, xml=q._signed(doc), attempts=1)
    with pytest.raises(InputError, match="sri poll"):
        before_void(registry, second, annulled_on_portal=False, today=NOW.date())
    assert [d.number for d in q.run().authorised] == []  # never received: the SRI has no entry
    assert not stub.received and get_document(registry, first).state == "withdrawn"


def test_a_pass_keeps_asking_while_the_sri_processes_then_leaves_the_rest(registry, stub, signer):
    from massinvoice.invoice.einvoice.sri.flow import SriFlow

    first, second = issue(registry, 2)
    stub.in_process[get_document(registry, first).clave] = 2  # authorised on the third ask
    stub.in_process[get_document(registry, second).clave] = 99  # still processing at the end
    settings = replace(SETTINGS, url=stub.url, wait=10.0)
    clock, slept = [0.0], []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    flow = SriFlow(registry, settings, signer, clock=lambda: NOW)
    report = flow.run(sleep=sleep, monotonic=lambda: clock[0])
    assert [d.number for d in report.authorised] == [first]
    assert [d.number for d, _ in report.waiting] == [second]
    assert slept == [1.0, 2.0, 4.0] and sum(slept) <= 10
    assert len(stub.received) == 2  # asked again, never sent again
