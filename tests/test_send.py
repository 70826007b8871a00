"""massinvoice send against a real SMTP server (aiosmtpd, STARTTLS, AUTH) started here.

After every fault, each invoice is received exactly once (or reported), and the registry's
sends table says so.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from massinvoice.cli import main
from massinvoice.config import load_config
from massinvoice.problems import InputError, RegistryError
from massinvoice.registry.numbering import Registry
from massinvoice.send import SendOptions, send_invoices
from massinvoice.send.delivery import Mailer, MailServerError
from massinvoice.send.records import history, latest
from tests.mail_server import PASSWORD, Mailbox, mail_server
from tests.send_factories import WITH_ADDRESS, issue, write_config

ROOT = Path(__file__).resolve().parent.parent
ALL = (*WITH_ADDRESS, "GAMMA BLOOMS LLC")  # GAMMA has no address in the directory


@pytest.fixture
def billing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A config folder, a running mail server, and four issued invoices in run/."""
    with mail_server(tmp_path) as (controller, mailbox):
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "smtp-cert.pem"))
        monkeypatch.setenv("MASSINVOICE_SMTP_PASSWORD", PASSWORD)
        monkeypatch.delenv("MASSINVOICE_REGISTRY", raising=False)
        config = load_config(write_config(tmp_path, controller.port))
        numbers = issue(config.registry_url, tmp_path / "run", ALL)
        yield Billing(tmp_path, config, mailbox, numbers)


class Billing:
    def __init__(self, folder: Path, config, mailbox: Mailbox, numbers: list[str]):
        self.folder, self.config, self.mailbox, self.numbers = folder, config, mailbox, numbers
        self.run = folder / "run"

    def send(self, **kw):
        kw.setdefault("run_folder", self.run)
        return send_invoices(self.config, SendOptions(backoff=0.01, **kw))

    def sends(self) -> dict[str, str]:
        with Registry(self.config.registry_url) as registry:
            return {n: r.status for n, r in latest(registry, self.numbers).items()}

    def history(self, number: str):
        with Registry(self.config.registry_url) as registry:
            return history(registry, number)

    def received(self) -> Counter[str]:
        return Counter(self.mailbox.numbers())


def test_each_invoice_once_over_starttls_with_auth(billing: Billing) -> None:
    alpha, beta, delta, gamma = billing.numbers
    result = billing.send()

    assert billing.received() == Counter({alpha: 1, beta: 1, delta: 1})
    assert billing.sends() == {alpha: "sent", beta: "sent", delta: "sent"}
    assert {i.number: i.code for i in result.items}[gamma] == "no_address"
    assert result.exit_code == 1  # one invoice was not sent
    assert result.connections == 1 and billing.mailbox.logins == 1

    by_number = {r.number: r for r in billing.mailbox.received}
    spanish = by_number[beta]
    assert spanish.rcpt_tos == ["compras@beta.example", "conta@beta.example",
                                "archive@prueba.example"]  # fmt: skip
    msg = spanish.message
    assert msg["Subject"] == f"Factura {beta} de Flores de Prueba S.A."
    assert "Bcc" not in msg and msg["Reply-To"] == "Cobranzas <cobranzas@prueba.example>"
    body = msg.get_body(("plain",)).get_content()
    assert "USD 338,25" in body and "El pago vence el 20 dic 2026" in body
    (pdf,) = list(msg.iter_attachments())
    assert pdf.get_filename() == f"{beta}.pdf"
    assert pdf.get_content() == (billing.run / f"{beta}.pdf").read_bytes()
    english = by_number[alpha].message.get_body(("plain",)).get_content()
    assert "USD 338.25" in english and "Payment is due on 20 Dec 2026" in english

    (record,) = billing.history(beta)
    assert record.message_id == msg["Message-ID"]
    assert record.recipients == tuple(spanish.rcpt_tos)
    assert record.reply.startswith("250 ")
    assert result.report_path and "GAMMA BLOOMS LLC" in result.report_path.read_text()

    again = billing.send()  # a rerun sends nothing twice
    assert billing.received() == Counter({alpha: 1, beta: 1, delta: 1})
    assert {i.code for i in again.items} == {"already_sent", "no_address"}


def test_temporary_failure_retried_then_sent(billing: Billing) -> None:
    billing.mailbox.data_faults = ["451 4.3.0 mailbox busy, try later", "421 4.3.2 going down"]
    result = billing.send()
    assert billing.received() == Counter(billing.numbers[:3])
    assert set(billing.sends().values()) == {"sent"}
    assert [i.code for i in result.items[:3]] == ["sent"] * 3


def test_permanent_refusal_recorded_with_the_reply(billing: Billing) -> None:
    alpha, beta, delta, _ = billing.numbers
    billing.mailbox.refuse = {
        "invoices@delta.example": "550 5.1.1 no such user",
        "conta@beta.example": "550 5.1.1 mailbox unavailable",
    }
    result = billing.send()
    codes = {i.number: i.code for i in result.items}
    assert codes[delta] == "failed" and codes[beta] == "partly_refused" and codes[alpha] == "sent"
    assert billing.received() == Counter({alpha: 1, beta: 1})  # beta's other address got it
    assert billing.sends() == {alpha: "sent", beta: "sent", delta: "failed"}
    (failed,) = billing.history(delta)
    assert "550 5.1.1 no such user" in failed.reply
    assert "conta@beta.example: 550" in billing.history(beta)[0].reply
    assert "550 5.1.1 no such user" in result.report and result.exit_code == 1


def test_connection_dropped_before_the_reply_to_data(billing: Billing) -> None:
    billing.mailbox.data_faults = ["", "drop"]  # the second message: gone before its 250
    result = billing.send()
    assert billing.received() == Counter(billing.numbers[:3])
    assert set(billing.sends().values()) == {"sent"}
    assert result.connections == 2  # reconnected once, then kept the new connection


def test_gives_up_after_the_configured_tries(billing: Billing) -> None:
    billing.mailbox.data_faults = ["451 busy"] * 4  # retries = 4: the first message never goes
    billing.send()
    first = billing.numbers[0]
    assert billing.received() == Counter(billing.numbers[1:3])
    assert billing.sends()[first] == "failed"
    assert "gave up after 4 tries: DATA: 451 busy" in billing.history(first)[0].reply
    again = billing.send()  # a failed send goes again on the next run, under its Message-ID
    assert billing.received() == Counter(billing.numbers[:3])
    first_id = billing.history(first)[0].message_id
    assert [h.message_id for h in billing.history(first)] == [first_id, first_id]
    assert {i.number: i.code for i in again.items}[first] == "sent"


def test_void_invoice_is_never_sent(billing: Billing) -> None:
    alpha = billing.numbers[0]
    with Registry(billing.config.registry_url) as registry:
        registry.void(alpha, "wrong customer")
    result = billing.send(resend=(alpha,))
    assert alpha not in billing.received()
    assert {i.number: i.code for i in result.items}[alpha] == "void"
    assert alpha not in billing.sends()


def test_changed_pdf_is_not_sent(billing: Billing) -> None:
    alpha = billing.numbers[0]
    (billing.run / f"{alpha}.pdf").write_bytes(b"%PDF-1.4 something else")
    result = billing.send()
    assert alpha not in billing.received()
    assert {i.number: i.code for i in result.items}[alpha] == "pdf_changed"


def test_resend_on_purpose_gets_a_new_message_id(billing: Billing) -> None:
    alpha = billing.numbers[0]
    billing.send(numbers=(alpha,), run_folder=None)
    billing.send(resend=(alpha,), run_folder=None)
    assert billing.received() == Counter({alpha: 2})
    first, second = billing.history(alpha)
    assert first.message_id != second.message_id and second.status == "sent"


def test_date_range_and_numbers(billing: Billing) -> None:
    import datetime as dt

    later = issue(billing.config.registry_url, billing.folder / "run2", ["DELTA STEMS BV"],
                  first_order=50, date=dt.date(2026, 12, 1))  # fmt: skip
    billing.numbers += later
    result = billing.send(run_folder=None, since=dt.date(2026, 11, 25))
    assert [i.number for i in result.items] == later
    assert billing.received() == Counter(later)


def test_dry_run_writes_eml_and_records_nothing(billing: Billing, tmp_path: Path) -> None:
    result = billing.send(dry_run=True, eml_dir=tmp_path / "out")
    assert not billing.mailbox.received and billing.sends() == {}
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == [f"{n}.eml" for n in billing.numbers[:3]]
    msg = email.message_from_bytes((tmp_path / "out" / names[1]).read_bytes(),
                                   policy=email.policy.default)  # fmt: skip
    assert msg["To"] == "compras@beta.example, Contabilidad <conta@beta.example>"
    assert "DRY RUN" in result.report


def test_templates_from_the_config_folder(billing: Billing) -> None:
    (billing.folder / "email").mkdir()
    (billing.folder / "email" / "subject_en.txt").write_text("Your invoice {{ number }}")
    (billing.folder / "email" / "body_en.html").write_text("<p>{{ customer }}</p>")
    billing.config = load_config(_rewrite(billing.config.path, "html = true"))
    billing.send(numbers=(billing.numbers[0],), run_folder=None)
    (received,) = billing.mailbox.received
    assert received.message["Subject"] == f"Your invoice {billing.numbers[0]}"
    assert received.message.get_body(("html",)).get_content().strip() == "<p>ALPHA FLOWERS INC</p>"


def test_template_cannot_reach_out_of_its_sandbox(billing: Billing) -> None:
    (billing.folder / "email").mkdir()
    (billing.folder / "email" / "subject_en.txt").write_text(
        "{{ number.__class__.__mro__[1].__subclasses__() }}"
    )
    with pytest.raises(InputError) as caught:
        billing.send()
    assert "email_template" in caught.value.codes
    assert not billing.mailbox.received and billing.sends() == {}


def test_cli_send_and_registry_list(billing: Billing) -> None:
    runner = CliRunner()
    config = str(billing.config.path)
    result = runner.invoke(main, ["send", str(billing.run), "--config", config])
    assert result.exit_code == 1, result.output  # GAMMA has no address
    assert "no e-mail address" in result.output
    listing = runner.invoke(main, ["registry", "list", "--config", config])
    lines = {line.split()[0]: line.split()[2] for line in listing.output.splitlines()[:-1]}
    assert lines == dict(zip(billing.numbers, ["sent", "sent", "sent", "-"], strict=True))


def test_cli_refuses_without_the_password(billing: Billing, monkeypatch) -> None:
    monkeypatch.delenv("MASSINVOICE_SMTP_PASSWORD")
    result = CliRunner().invoke(main, ["send", str(billing.run), "--config",
                                       str(billing.config.path)])  # fmt: skip
    assert result.exit_code == 2 and "MASSINVOICE_SMTP_PASSWORD" in result.output
    assert not billing.mailbox.received


def test_password_in_the_config_is_refused(tmp_path: Path) -> None:
    path = write_config(tmp_path, 2525)
    path.write_text(path.read_text() + 'password = "hunter2"\n')
    with pytest.raises(InputError) as caught:
        load_config(path)
    assert "smtp.password" in caught.value.report()


def test_wrong_password_stops_before_any_send(billing: Billing, monkeypatch) -> None:
    monkeypatch.setenv("MASSINVOICE_SMTP_PASSWORD", "wrong")
    result = CliRunner().invoke(main, ["send", str(billing.run), "--config",
                                       str(billing.config.path)])  # fmt: skip
    assert result.exit_code == 2 and "refused the login of 'billing': 535" in result.output
    assert not billing.mailbox.received and billing.sends() == {}


def test_server_gone_mid_run_leaves_the_rest_for_the_next_run(
    billing: Billing, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_connect = Mailer.connect

    def connect_once(self: Mailer) -> None:  # the server goes away after the first connection
        if self.connections:
            raise MailServerError("cannot talk to the mail server: connection refused")
        real_connect(self)

    monkeypatch.setattr(Mailer, "connect", connect_once)
    billing.mailbox.data_faults = ["", "drop"]  # the second message loses the connection
    result = billing.send()
    alpha, beta, delta, _ = billing.numbers
    codes = {i.number: i.code for i in result.items}
    assert codes[alpha] == "sent" and codes[beta] == "unreachable" == codes[delta]
    assert billing.sends() == {alpha: "sent", beta: "failed"}  # delta was never started
    monkeypatch.setattr(Mailer, "connect", real_connect)
    billing.send()
    assert billing.received() == Counter(billing.numbers[:3])


def test_killed_mid_batch_sends_the_rest_and_none_twice(billing: Billing) -> None:
    numbers = issue(billing.config.registry_url, billing.folder / "big", WITH_ADDRESS * 3,
                    first_order=100)  # fmt: skip
    billing.numbers = numbers
    sender: dict[str, subprocess.Popen] = {}

    def kill_on_the_third(count: int) -> None:  # message kept, its 250 not yet sent
        if count == 3:
            os.kill(sender["proc"].pid, signal.SIGKILL)

    billing.mailbox.after_message = kill_on_the_third
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    sender["proc"] = subprocess.Popen(
        [sys.executable, "-m", "massinvoice", "send", str(billing.folder / "big"), "--config",
         str(billing.config.path)], env=env, cwd=billing.folder,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    assert sender["proc"].wait(timeout=60) == -signal.SIGKILL
    third = numbers[2]
    assert billing.sends() == {numbers[0]: "sent", numbers[1]: "sent", third: "pending"}

    billing.mailbox.after_message = None
    result = billing.send(run_folder=billing.folder / "big")
    assert billing.received() == Counter(numbers)  # each exactly once, the third included
    codes = {i.number: i.code for i in result.items}
    assert codes[third] == "ambiguous" and result.exit_code == 1
    assert [codes[n] for n in numbers[3:]] == ["sent"] * 6
    assert billing.sends()[third] == "ambiguous"
    assert third in result.report

    billing.send(run_folder=None, resend=(third,))  # on purpose: same Message-ID
    assert billing.received()[third] == 2
    first, second = (r for r in billing.mailbox.received if r.number == third)
    assert first.message["Message-ID"] == second.message["Message-ID"]
    assert [h.status for h in billing.history(third)] == ["ambiguous", "sent"]


def test_registry_migrate_keeps_what_was_sent(billing: Billing, tmp_path: Path) -> None:
    from massinvoice.registry.migrate import migrate_registry

    billing.send()
    target = f"sqlite:///{tmp_path / 'moved.sqlite'}"
    assert migrate_registry(billing.config.registry_url, target)["copied"]["sends"] == 3
    result = send_invoices(billing.config, SendOptions(run_folder=billing.run),
                           registry_url=target)  # fmt: skip
    assert billing.received() == Counter(billing.numbers[:3])  # nothing sent twice
    assert {i.code for i in result.items} == {"already_sent", "no_address"}


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # TLS is implicit
@pytest.mark.parametrize("security", ["tls", "none"])
def test_implicit_tls_and_a_plain_relay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, security: str
) -> None:
    with mail_server(tmp_path, security=security) as (controller, mailbox):
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "smtp-cert.pem"))
        monkeypatch.setenv("MASSINVOICE_SMTP_PASSWORD", PASSWORD)
        path = write_config(tmp_path, controller.port)
        text = path.read_text().replace('security = "starttls"', f'security = "{security}"')
        if security == "none":
            text = text.replace('user = "billing"\n', "")
        path.write_text(text)
        config = load_config(path)
        numbers = issue(config.registry_url, tmp_path / "run", WITH_ADDRESS)
        result = send_invoices(config, SendOptions(run_folder=tmp_path / "run"))
        assert result.exit_code == 0, result.report
        assert Counter(mailbox.numbers()) == Counter(numbers)
        assert mailbox.logins == (1 if security == "tls" else 0)


def test_no_registry_is_an_error_not_a_new_one(billing: Billing, tmp_path: Path) -> None:
    missing = tmp_path / "elsewhere.sqlite"
    with pytest.raises(RegistryError, match="no registry at"):
        send_invoices(billing.config, SendOptions(run_folder=billing.run),
                      registry_url=f"sqlite:///{missing}")  # fmt: skip
    assert not missing.exists()


def test_dry_run_drafts_and_another_registry_are_refused(billing: Billing, tmp_path: Path) -> None:
    (manifest,) = billing.run.glob("runs/*/manifest.json")
    data = json.loads(manifest.read_text())
    other = [{**i, "sha256": "0" * 64} if i["number"] == billing.numbers[0] else i
             for i in data["invoices"]]  # fmt: skip
    manifest.write_text(json.dumps({**data, "invoices": other}))  # another registry's number
    with pytest.raises(InputError) as caught:
        billing.send()
    assert caught.value.codes == {"unknown_invoice"} and "another invoice" in str(caught.value)
    manifest.write_text(json.dumps({**data, "dry_run": True}))
    with pytest.raises(InputError) as caught:
        billing.send()
    assert caught.value.codes == {"draft_run"} and not billing.mailbox.received


def test_report_in_the_configured_language(billing: Billing) -> None:
    path = billing.config.path
    path.write_text(path.read_text().replace('language = "en"', 'language = "es"'))
    result = send_invoices(load_config(path), SendOptions(run_folder=billing.run, backoff=0.01))
    text = result.report_path.read_text("utf-8")
    assert text.startswith("massinvoice — Informe de envío")
    assert "3 enviadas, 1 no enviadas, 0 omitidas" in text
    assert "sin dirección de correo en el directorio de clientes" in text


def test_a_bad_address_in_the_directory_is_listed_not_sent(billing: Billing) -> None:
    directory = billing.folder / "customers.csv"
    directory.write_text(
        directory.read_text().replace("ap@alpha.example", "ap at alpha; ap@alpha.example")
    )
    result = billing.send()
    alpha = billing.numbers[0]
    item = {i.number: i for i in result.items}[alpha]
    assert (item.code, item.detail) == ("bad_address", "'ap at alpha'")
    assert alpha not in billing.received() and result.exit_code == 1
    assert Counter(billing.received()) == Counter(billing.numbers[1:3])


def _rewrite(path: Path, line: str) -> Path:
    path.write_text(path.read_text().replace("timeout = 10", f"timeout = 10\n{line}"))
    return path


def test_an_sri_invoice_goes_only_once_authorised_with_its_ride_and_xml(
    billing: Billing, tmp_path: Path
) -> None:
    """With [sri], an invoice is a tax document only once the SRI authorised it: until its RIDE
    and authorised XML are beside its PDF it is not sent; then both go with it."""
    from dataclasses import replace

    from massinvoice.invoice.einvoice.sri.flow import ride_paths

    billing.config = replace(billing.config, sri={"ambiente": "pruebas"})
    waiting = billing.send(dry_run=True, eml_dir=tmp_path / "early")
    assert {i.code for i in waiting.items} <= {"not_authorised", "no_address"}
    assert "not_authorised" in {i.code for i in waiting.items}
    first = billing.numbers[0]
    ride, xml = ride_paths(billing.run, first)
    ride.write_bytes(b"%PDF-1.7 RIDE")
    xml.write_bytes(b"<autorizacion/>")
    billing.send(dry_run=True, eml_dir=tmp_path / "out")
    msg = email.message_from_bytes((tmp_path / "out" / f"{first}.eml").read_bytes(),
                                   policy=email.policy.default)  # fmt: skip
    names = [part.get_filename() for part in msg.iter_attachments()]
    assert names == [f"{first}.pdf", ride.name, xml.name]
    assert not (tmp_path / "out" / f"{billing.numbers[1]}.eml").exists()
