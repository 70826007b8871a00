"""Send benchmark: ``send_invoices`` for N invoices against a local SMTP server, and a baseline.

Usage: ``python benchmarks/bench_send.py [N]`` (default 1,000).

Both sides talk to the same aiosmtpd server on 127.0.0.1 (STARTTLS on a self-signed
certificate, AUTH), over one connection each:

* ours: ``send_invoices`` on an invoice run folder of N issued invoices: the registry lookups,
  the customer directory, composing each message from the templates with its PDF attached, and
  for each message a pending record before the SMTP transaction and a sent record after it;
* baseline: bare ``smtplib`` sending the same N messages, already composed (the bytes ours
  sent), one ``sendmail`` each: the time the SMTP conversation itself takes.

It prints the total and the time per message of each, the ratio, and checks that the server
received every invoice exactly once. Goal: N = 1,000 in under 30 s on 2 cores.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from massinvoice.config import load_config
from massinvoice.send import SendOptions, send_invoices
from tests.mail_server import PASSWORD, USER, mail_server
from tests.send_factories import WITH_ADDRESS, issue, write_config


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with mail_server(folder) as (controller, mailbox):
            os.environ["SSL_CERT_FILE"] = str(folder / "smtp-cert.pem")
            os.environ["MASSINVOICE_SMTP_PASSWORD"] = PASSWORD
            os.environ.pop("MASSINVOICE_REGISTRY", None)
            config = load_config(write_config(folder, controller.port))
            customers = [WITH_ADDRESS[i % len(WITH_ADDRESS)] for i in range(n)]
            t0 = time.perf_counter()
            numbers = issue(config.registry_url, folder / "run", customers)
            print(f"prepared {n} issued invoices in {time.perf_counter() - t0:.1f} s")

            t0 = time.perf_counter()
            result = send_invoices(config, SendOptions(run_folder=folder / "run"))
            ours = time.perf_counter() - t0
            assert result.exit_code == 0, result.report
            assert result.connections == 1, "one connection for the whole batch"
            assert Counter(mailbox.numbers()) == Counter(numbers), "each invoice exactly once"
            prepared = [(r.mail_from, r.rcpt_tos, r.data) for r in mailbox.received]
            mailbox.received.clear()

            t0 = time.perf_counter()
            baseline_send(controller.port, prepared)
            base = time.perf_counter() - t0
            assert len(mailbox.received) == n

    print(f"ours:     {ours:6.2f} s  {1000 * ours / n:6.2f} ms/message  (send_invoices, "
          f"registry records, composing, one connection)")  # fmt: skip
    print(f"baseline: {base:6.2f} s  {1000 * base / n:6.2f} ms/message  (bare smtplib, "
          f"messages already composed, one connection)")  # fmt: skip
    print(f"ratio ours/baseline: {ours / base:.2f}x")
    verdict = "OK" if ours * 1000 / n < 30 else "OVER"
    print(f"1,000 invoices: {ours * 1000 / n:.1f} s (goal under 30 s): {verdict}")
    print(f"load average: {os.getloadavg()[0]:.2f}, cpus: {os.cpu_count()}")


def baseline_send(port: int, messages: list[tuple[str, list[str], bytes]]) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as conn:
        conn.starttls(context=ssl.create_default_context())
        conn.login(USER, PASSWORD)
        for mail_from, rcpt_tos, data in messages:
            conn.sendmail(mail_from, rcpt_tos, data)


if __name__ == "__main__":
    main()
