"""The send report: what was sent, what failed and why, what was skipped and why.

Written in the configured language, beside the invoices of a run folder (never over an earlier
report: each send run has its own file) and shown on the console.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from massinvoice.files import atomic_write_text

# code -> (English, Spanish): what a person reads for each outcome
REASONS: dict[str, tuple[str, str]] = {
    "sent": ("sent", "enviada"),
    "written": ("written to an .eml file (dry run)", "escrita en un archivo .eml (simulación)"),
    "failed": ("refused by the mail server", "rechazada por el servidor de correo"),
    "partly_refused": ("sent, but some addresses were refused",
                       "enviada, pero algunas direcciones fueron rechazadas"),
    "unreachable": ("not sent: the mail server could not be reached",
                    "no enviada: no se pudo contactar al servidor de correo"),
    "no_address": ("no e-mail address in the customer directory",
                   "sin dirección de correo en el directorio de clientes"),
    "bad_address": ("not an e-mail address in the customer directory's Email column",
                    "no es una dirección de correo en la columna Email del directorio"),
    "already_sent": ("already sent (use --resend to send again)",
                     "ya enviada (use --resend para enviarla otra vez)"),
    "ambiguous": ("interrupted while sending: the customer may or may not have it; check, then "
                  "use --resend (same Message-ID)",
                  "interrumpida durante el envío: el cliente puede haberla recibido o no; "
                  "verifique y use --resend (mismo Message-ID)"),
    "in_progress": ("being sent by another run", "otra ejecución la está enviando"),
    "void": ("void: never sent", "anulada: nunca se envía"),
    "not_issued": ("not issued in the registry", "no emitida en el registro"),
    "pdf_missing": ("its PDF is missing", "falta su PDF"),
    "not_authorised": ("not authorised by the SRI yet (its RIDE and XML are not there): "
                       "run massinvoice sri poll, then send again",
                       "aún no autorizada por el SRI (faltan su RIDE y su XML): ejecute "
                       "massinvoice sri poll y vuelva a enviar"),
    "pdf_changed": ("its PDF differs from the one issued (SHA-256)",
                    "su PDF difiere del emitido (SHA-256)"),
}  # fmt: skip
WORDS: dict[str, tuple[str, str]] = {
    "title": ("Send report", "Informe de envío"),
    "dry": ("DRY RUN: nothing was sent, no server was contacted",
            "SIMULACIÓN: no se envió nada ni se contactó al servidor"),
    "sent": ("Sent", "Enviadas"),
    "failed": ("Not sent", "No enviadas"),
    "skipped": ("Skipped (nothing to do)", "Omitidas (nada que hacer)"),
    "none": ("none", "ninguna"),
    "summary": ("{sent} sent, {failed} not sent, {skipped} skipped",
                "{sent} enviadas, {failed} no enviadas, {skipped} omitidas"),
}  # fmt: skip
# Outcomes that are not a failure: nothing is left to do for these invoices.
DONE = ("sent", "written", "already_sent", "void")


@dataclass(frozen=True, slots=True)
class Item:
    """What became of one invoice in a send run."""

    number: str
    customer: str
    code: str  # a key of REASONS
    detail: str = ""  # the server's reply, the recipients, the file ...

    @property
    def done(self) -> bool:
        return self.code in DONE

    def line(self, language: str) -> str:
        """One line for people: number, customer, what happened and the detail."""
        text = f"{self.number:<22} {self.customer[:36]:<36} {word(REASONS, self.code, language)}"
        return f"{text}: {self.detail}" if self.detail else text

    def kind(self) -> str:
        """sent | failed | skipped: the report's section."""
        if self.code in ("sent", "written", "partly_refused"):
            return "sent"
        return "skipped" if self.done else "failed"  # failed: "not sent", the exit code's 1


def word(table: dict[str, tuple[str, str]], key: str, language: str) -> str:
    return table[key][1 if language == "es" else 0]


def report_text(items: Sequence[Item], language: str, *, dry_run: bool, when: dt.datetime) -> str:
    """The report as text: a summary line, then each section with one line per invoice."""
    sections: dict[str, list[Item]] = {"sent": [], "failed": [], "skipped": []}
    for item in items:
        sections[item.kind()].append(item)
    counts = {k: len(v) for k, v in sections.items()}
    lines = [f"massinvoice — {word(WORDS, 'title', language)} {when:%Y-%m-%d %H:%M}"]
    if dry_run:
        lines.append(word(WORDS, "dry", language))
    lines += [word(WORDS, "summary", language).format(**counts), ""]
    for key in ("failed", "skipped", "sent"):
        lines.append(f"{word(WORDS, key, language)} ({counts[key]}):")
        lines += [f"  {item.line(language)}" for item in sections[key]]
        if not sections[key]:
            lines.append(f"  {word(WORDS, 'none', language)}")
        lines.append("")
    return "\n".join(lines)


def write_report(folder: Path, text: str, when: dt.datetime) -> Path:
    """``send-report-YYYYMMDD-HHMMSS.txt`` in ``folder``; a second one that second gets -2 ..."""
    stem = f"send-report-{when:%Y%m%d-%H%M%S}"
    path = folder / f"{stem}.txt"
    n = 2
    while path.exists():
        path, n = folder / f"{stem}-{n}.txt", n + 1
    atomic_write_text(path, text)
    return path
