"""The shared folder's send step: with ``send = "after-invoice"``, each invoice run it makes is
e-mailed at once; what could not go is listed in ``errors/`` with what to do.

A failure to send never undoes the invoicing: the selection workbook is archived as done, the
invoices stay issued, and ``massinvoice send invoices/<date>`` (or the next invoice run, which
sends what its folder still owes) finishes the job without sending anything twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from massinvoice.config import Config
from massinvoice.files import atomic_write_text
from massinvoice.invoice.outputs import RUNS
from massinvoice.problems import InputError, MassInvoiceError
from massinvoice.send import SendOptions, send_invoices

HINT = {
    "en": "Fix what the report says (an address in the customer directory, the [smtp] settings, "
    "the password in the environment), then run:  massinvoice send {folder}\n"
    "Invoices already sent are not sent again; an interrupted one needs --resend NUMBER.",
    "es": "Corrija lo que indica el informe (una dirección en el directorio de clientes, la "
    "sección [smtp], la contraseña en el entorno) y ejecute:  massinvoice send {folder}\n"
    "Las facturas ya enviadas no se envían de nuevo; una interrumpida requiere --resend NÚMERO.",
}


@dataclass(frozen=True, slots=True)
class SendStep:
    """What the send step did for one invoice run, for the pass's line and its exit code."""

    message: str
    not_sent: int
    note: Path | None = None


def send_after_invoice(
    folder: Path, config: Config, outdir: Path, now: dt.datetime, issued: int
) -> SendStep | None:
    """E-mail the invoices of ``outdir`` when the folder's config says so; None when it does not."""
    if config.send != "after-invoice" or not any((outdir / RUNS).glob("*/manifest.json")):
        return None
    rel = outdir.relative_to(folder).as_posix() if outdir.is_relative_to(folder) else str(outdir)
    try:
        result = send_invoices(config, SendOptions(run_folder=outdir))
    except MassInvoiceError as exc:
        text = exc.report() if isinstance(exc, InputError) else str(exc)
        note = _note(folder, config, rel, now, text)
        first = text.splitlines()[0]
        return SendStep(f"not e-mailed: {first} (see errors/{note.name})", issued, note)
    failed = [i for i in result.items if not i.done]
    sent = sum(1 for i in result.items if i.code in ("sent", "partly_refused"))
    if not failed:
        return SendStep(f"e-mailed {sent}", 0)
    note = _note(folder, config, rel, now, result.report)
    return SendStep(f"e-mailed {sent}, {len(failed)} not (see errors/{note.name})", len(failed),
                    note)  # fmt: skip


def _note(folder: Path, config: Config, rel: str, now: dt.datetime, body: str) -> Path:
    errors = folder / "errors"
    errors.mkdir(exist_ok=True)
    stem = f"send-{now:%Y%m%d-%H%M%S}"
    path, n = errors / f"{stem}.error.txt", 2
    while path.exists():
        path, n = errors / f"{stem}-{n}.error.txt", n + 1
    hint = HINT.get(config.language, HINT["en"]).format(folder=rel)
    atomic_write_text(path, f"{rel}\n\n{body}\n\n{hint}\n".replace("\n", "\r\n"))
    return path
