"""SMTP sink for the benchmark: aiosmtpd on loopback, one line per message received.

    python -m bench.smtp_sink --port 2525 --log .cache/bench/mail.log

Each accepted message appends ``<unix time>\\t<recipients, comma-separated>\\t<bytes>``
to the log (flushed at once), which ``bench/run.py`` reads to see what was delivered
and when. Messages are not parsed or kept: the sink should cost as little as possible,
so the drain rate measures the sender.
"""

import argparse
import asyncio
import signal
import time

from aiosmtpd.controller import Controller


class LogHandler:
    def __init__(self, path: str):
        self.log = open(path, "a", buffering=1)  # noqa: SIM115 - open for the life of the process

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.log.write(f"{time.time():.6f}\t{','.join(envelope.rcpt_tos)}\t{len(envelope.content)}\n")
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    controller = Controller(LogHandler(args.log), hostname="127.0.0.1", port=args.port)
    controller.start()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"smtp sink on 127.0.0.1:{args.port}", flush=True)
    loop.run_until_complete(stop.wait())
    controller.stop()


if __name__ == "__main__":
    main()
