"""massinvoice init FOLDER: the batch layout, a README in the folder's language, nothing overwritten."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from massinvoice.batch.scaffold import FOLDERS
from massinvoice.cli import main
from massinvoice.config import load_config


def test_init_creates_the_batch_folder(tmp_path: Path) -> None:
    folder = tmp_path / "billing"
    result = CliRunner().invoke(main, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    for name in FOLDERS:
        assert (folder / name).is_dir()
    config = load_config(folder / "massinvoice.toml")
    assert config.language == "en"
    assert config.registry_url == f"sqlite:///{folder.resolve() / 'massinvoice.sqlite'}"
    assert (folder / "customers.csv").read_text("utf-8").startswith("Customer,Code,Tax ID")
    readme = (folder / "README.txt").read_bytes().decode("utf-8")
    assert "\r\n" in readme  # opens cleanly in Windows Notepad
    for words in ("inbox", "selections", "invoices", "archive", "errors", ".error.txt", "X"):
        assert words in readme
    assert "created" in result.output and "[seller]" in result.output
    assert not list(folder.glob(".*.tmp")), "no temporary file left behind"


def test_init_in_spanish(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["init", str(tmp_path), "--language", "es"])
    assert result.exit_code == 0, result.output
    assert load_config(tmp_path / "massinvoice.toml").language == "es"
    readme = (tmp_path / "README.txt").read_text("utf-8")
    assert "CÓMO FUNCIONA" in readme and "Escriba X" in readme


def test_init_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "orders.csv").write_text("kept", "utf-8")
    (tmp_path / "massinvoice.toml").write_text('language = "es"\n', "utf-8")
    (tmp_path / "README.txt").write_text("our own notes", "utf-8")
    runner = CliRunner()
    first = runner.invoke(main, ["init", str(tmp_path)])
    assert first.exit_code == 0, first.output
    assert (tmp_path / "massinvoice.toml").read_text("utf-8") == 'language = "es"\n'
    assert (tmp_path / "README.txt").read_text("utf-8") == "our own notes"
    assert (tmp_path / "inbox" / "orders.csv").read_text("utf-8") == "kept"
    assert (tmp_path / "customers.csv").is_file() and (tmp_path / "errors").is_dir()
    again = runner.invoke(main, ["init", str(tmp_path)])
    assert again.exit_code == 0
    assert "nothing to do" in again.output


def test_init_folder_library_returns_what_it_made(tmp_path: Path) -> None:
    from massinvoice.batch.runner import init_folder

    made = init_folder(tmp_path / "new", "en")
    names = {p.relative_to(tmp_path / "new").as_posix() for p in made if p != tmp_path / "new"}
    assert names == {
        *FOLDERS,
        "massinvoice.toml",
        "customers.csv",
        "README.txt",
        "massinvoice.sqlite",
    }
    assert init_folder(tmp_path / "new", "en") == []
