"""The command line, driven in-process; outcomes checked through the library, not by grepping."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from massinvoice import __version__
from massinvoice.cli import main
from massinvoice.registry.numbering import Registry
from tests.sheet_tools import listed_orders, mark

COMMANDS = [["select"], ["invoice"], ["init"], ["demo"], ["void"], ["registry", "list"],
            ["registry", "migrate"], ["run"], ["watch"]]  # fmt: skip


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_examples(runner, command):
    result = runner.invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output


def test_version_and_module_entry_point():
    out = subprocess.run(
        [sys.executable, "-m", "massinvoice", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0 and __version__ in out.stdout


def test_select_invoice_void_list_cycle(runner, workspace, make_export, monkeypatch):
    monkeypatch.chdir(workspace)  # the config is found from the current folder
    export = make_export(12)
    sheet = workspace / "selection.xlsx"
    r = runner.invoke(main, ["select", str(export), "-o", str(sheet)])
    assert r.exit_code == 0, r.output
    assert sheet.is_file() and "Read 12 orders" in r.output
    target = next(
        o
        for o, row in listed_orders(sheet).items()
        if row["Select"] != "INVOICED!" and o != "PO-2611-0002"
    )
    mark(sheet, [target])
    r = runner.invoke(main, ["invoice", str(sheet), "-o", str(workspace / "out")])
    assert r.exit_code == 0, r.output
    assert "Issued 1 invoice in" in r.output
    url = f"sqlite:///{workspace / 'massinvoice.sqlite'}"
    with Registry(url) as reg:
        (record,) = reg.list()
    assert record.orders == (target,) and record.state == "issued"

    r = runner.invoke(main, ["invoice", str(sheet), "-o", str(workspace / "again")])
    assert r.exit_code == 1 and "already invoiced" in r.output

    r = runner.invoke(main, ["void", record.number, "--reason", "wrong customer"])
    assert r.exit_code == 0, r.output
    with Registry(url) as reg:
        assert reg.get(record.number).state == "void"
        assert reg.invoiced([target], include_void=True)  # still held: no --release-orders
    r = runner.invoke(main, ["registry", "list"])
    assert record.number in r.output and "void" in r.output and "wrong customer" in r.output

    r = runner.invoke(main, ["void", record.number, "--reason", "again", "--release-orders"])
    with Registry(url) as reg:
        assert reg.invoiced([target]) == {}
    # released: the same order is invoiceable again, with a new number
    r = runner.invoke(main, ["select", str(export), "-o", str(workspace / "sel2.xlsx")])
    mark(workspace / "sel2.xlsx", [target])
    r = runner.invoke(
        main, ["invoice", str(workspace / "sel2.xlsx"), "-o", str(workspace / "out2")]
    )
    assert r.exit_code == 0, r.output
    with Registry(url) as reg:
        numbers = [(x.number, x.state) for x in reg.list()]
    assert numbers == [(record.number, "void"), ("001-001-000000002", "issued")]


def test_bad_input_exits_2_with_every_problem_and_no_traceback(runner, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Order #;Customer;Boxes;Ship Date\nPO-1;ACME;many;2026-02-31\nPO-2;ACME;2;nope\n",
        encoding="utf-8",
    )
    r = runner.invoke(main, ["select", str(bad), "-o", str(tmp_path / "s.xlsx"), "--no-registry"])
    assert r.exit_code == 2
    assert "Traceback" not in r.output
    assert "3 problems" in r.output
    assert "bad.csv" in r.output and "row 2" in r.output and "Boxes" in r.output
    assert not (tmp_path / "s.xlsx").exists()


def test_bad_options_exit_2(runner, workspace, make_export):
    export = make_export(3)
    r = runner.invoke(main, ["select", str(export), "-o", "x.xlsx", "--from", "20.13.2026"])
    assert r.exit_code == 2 and "2026-11-20" in r.output and "20/11/2026" in r.output
    r = runner.invoke(main, ["invoice", str(export), "-o", "out", "--date", "yesterday"])
    assert r.exit_code == 2


def test_init_writes_a_config_that_loads(runner, tmp_path):
    r = runner.invoke(main, ["init", str(tmp_path / "billing"), "--language", "es"])
    assert r.exit_code == 0, r.output
    from massinvoice.config import load_config

    assert load_config(tmp_path / "billing" / "massinvoice.toml").language == "es"


def test_registry_migrate_copies_and_is_idempotent(runner, tmp_path):
    import datetime as dt
    from decimal import Decimal

    from massinvoice.config import Series
    from massinvoice.registry.numbering import Draft

    src, dst = f"sqlite:///{tmp_path / 'a.sqlite'}", f"sqlite:///{tmp_path / 'b.sqlite'}"
    with Registry(src, create=True) as reg:
        run = reg.start_run({})
        reg.reserve(
            Series("S", "S-{seq:03d}"),
            [Draft(("PO-1",), "ACME", dt.date(2026, 11, 20), "USD", Decimal("10.00"), {})],
            run,
        )
    for _ in range(2):
        r = runner.invoke(main, ["registry", "migrate", src, dst])
        assert r.exit_code == 0, r.output
    with Registry(dst) as reg:
        assert [(x.number, x.orders) for x in reg.list()] == [("S-001", ("PO-1",))]


def test_demo_help_mentions_samples(runner):
    assert "bundled samples" in runner.invoke(main, ["demo", "--help"]).output


def test_readme_commands_exist():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert "pip install . && massinvoice demo demo-out" in readme
    # the first command installs HarfBuzz's font subsetter: without it rendering is twice as slow
    assert "bash ci/system-packages.sh --runtime && pip install ." in readme
    assert (
        "libharfbuzz-subset0"
        in (Path(__file__).parent.parent / "ci/system-packages.sh").read_text()
    )
    assert "pip install -e '.[test]' && python -m pytest" in readme
    ci = subprocess.run(
        ["awk", "/^```bash$/{n++; next} /^```$/{next} n==2{print; exit}", "README.md"],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        check=True,
    )  # the extraction .ci/run uses
    assert (
        ci.stdout.strip()
        == "bash ci/system-packages.sh && pip install -e '.[test]' && python -m pytest -m \"not slow\""
    )


def test_every_command_is_on_the_command_line(runner):
    """The commands the README and the docs name, each with its help (a lost registration shows
    here, not in the field)."""
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in ("select", "inspect", "invoice", "void", "send", "registry", "init", "demo",
                 "run", "watch", "sri", "credit-note"):  # fmt: skip
        assert f"  {name} " in result.output, name
        assert runner.invoke(main, [name, "--help"]).exit_code == 0, name
    for sub in ("poll", "check", "resend", "ride", "list"):
        assert runner.invoke(main, ["sri", sub, "--help"]).exit_code == 0, sub
