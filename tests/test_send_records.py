"""The sends table on both backends, the addresses of the directory, the [smtp] settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from massinvoice.config import parse_config
from massinvoice.problems import InputError
from massinvoice.read import load_customers
from massinvoice.registry.numbering import Registry
from massinvoice.send import records
from massinvoice.text import email_addresses
from tests.registry_fixtures import pg_server_url, registry_url  # noqa: F401
from tests.send_factories import issue


@pytest.fixture
def issued(tmp_path: Path, registry_url: str) -> tuple[str, list[str]]:  # noqa: F811
    return registry_url, issue(registry_url, tmp_path / "run", ["A CO", "B CO"])


def test_pending_then_sent_and_never_started_twice(issued) -> None:
    url, (first, second) = issued
    with Registry(url) as registry:
        run = registry.start_run({"command": "send"})
        started = records.begin(registry, first, ["a@x.example"], "<m1@x>", run)
        assert isinstance(started, records.SendRecord) and started.status == "pending"
        # another run while this one lives and holds it: refused, nothing recorded
        other = registry.start_run({"command": "send"})
        busy = records.begin(registry, first, ["a@x.example"], "<m2@x>", other)
        assert isinstance(busy, records.Refusal) and busy.code == "in_progress"
        records.finish(registry, started.id, "sent", "250 OK queued")
        again = records.begin(registry, first, ["a@x.example"], "<m3@x>", other)
        assert isinstance(again, records.Refusal) and again.code == "already_sent"
        resent = records.begin(registry, first, ["a@x.example"], "<m4@x>", other, resend=True)
        assert isinstance(resent, records.SendRecord)
        assert [h.status for h in records.history(registry, first)] == ["sent", "pending"]
        assert records.latest(registry)[first].message_id == "<m4@x>"
        assert second not in records.latest(registry)


def test_pending_of_a_finished_run_becomes_ambiguous(issued) -> None:
    url, (first, _) = issued
    with Registry(url) as registry:
        run = registry.start_run({"command": "send"})
        records.begin(registry, first, ["a@x.example"], "<m1@x>", run)
        registry.finish_run(run, {})  # it stopped without recording the outcome
        later = registry.start_run({"command": "send"})
        (gone,) = records.find_ambiguous(registry, later)
        assert gone.invoice_number == first
        refused = records.begin(registry, first, ["a@x.example"], "<m2@x>", later)
        assert isinstance(refused, records.Refusal) and refused.code == "ambiguous"
        assert records.latest(registry)[first].status == "ambiguous"


def test_void_and_unknown_invoices_are_refused(issued) -> None:
    url, (first, _) = issued
    with Registry(url) as registry:
        registry.void(first, "duplicate")
        run = registry.start_run({})
        assert records.begin(registry, first, ["a@x.example"], "<m@x>", run).code == "void"
        assert records.begin(registry, "NOPE", ["a@x.example"], "<m@x>", run).code == "not_issued"


def test_directory_cell_with_several_addresses(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(
        'Customer,Email\nALPHA,"a@alpha.example; Ana <ana@alpha.example>\nb@alpha.example"\n',
        encoding="utf-8",
    )
    alpha = load_customers(path, parse_config({}))["alpha"]
    assert email_addresses(alpha.email) == (
        ("a@alpha.example", "Ana <ana@alpha.example>", "b@alpha.example"), ())  # fmt: skip
    assert email_addresses("N/A; x@y.example") == (("x@y.example",), ("N/A",))


@pytest.mark.parametrize(
    ("smtp", "key"),
    [
        ({"password": "hunter2"}, "smtp.password"),
        ({"security": "ssl"}, "smtp.security"),
        ({"port": "587"}, "smtp.port"),
        ({"cc": ["not an address"]}, "smtp.cc"),
        ({"sender": "a@x.example, b@x.example"}, "smtp.sender"),
        ({"hots": "smtp.example.com"}, "smtp.hots"),
    ],
)
def test_smtp_settings_are_checked_when_the_config_is_read(smtp: dict, key: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_config({"smtp": smtp})
    assert [p.column for p in caught.value.problems] == [key]


def test_smtp_settings_defaults() -> None:
    config = parse_config({"send": "after-invoice", "smtp": {"host": "h", "security": "tls"}})
    assert config.send == "after-invoice" and config.smtp.effective_port == 465
    assert config.smtp.password_env == "MASSINVOICE_SMTP_PASSWORD"
