"""Run the Procfile's processes under supervisord: one that dies is restarted, the others go on.

    .venv/bin/python scripts/supervise.py                  # make run: every Procfile process
    .venv/bin/python scripts/supervise.py --print-config   # the generated supervisord.conf

honcho (``make run`` before) stops every process when one exits: a worker killed by a
broker outage took the web server down with it. supervisord restarts each program on
its own (``autorestart``), forever, with a short back-off, and never stops the others.
The configuration is generated from the Procfile (one program per line, run through
``bash -c`` so ``${PORT:-8000}`` expands), so the Procfile stays the one list of
processes; supervisord's own files go to ``.cache/``. Ctrl-C (or SIGTERM) stops
supervisord, which stops every program with its whole process group. Children inherit
this process's environment (Django reads ``.env`` itself).
"""

import argparse
import os
import re
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+)$")


def programs(procfile: Path) -> list[tuple[str, str]]:
    """``(name, command)`` for each line of a Procfile."""
    found = []
    for line in procfile.read_text().splitlines():
        match = LINE.match(line.strip())
        if match and not line.lstrip().startswith("#"):
            found.append((match[1], match[2]))
    return found


def config(procfile: Path, cache: Path) -> str:
    def value(text: str) -> str:
        return str(text).replace("%", "%%")  # supervisord expands %(name)s in every value

    lines = [
        "[supervisord]",
        "nodaemon=true",
        f"logfile={value(cache / 'supervisord.log')}",
        f"pidfile={value(cache / 'supervisord.pid')}",
        f"directory={value(ROOT)}",
        "[unix_http_server]",
        f"file={value(cache / 'supervisor.sock')}",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "[supervisorctl]",
        f"serverurl=unix://{value(cache / 'supervisor.sock')}",
    ]
    for name, command in programs(procfile):
        lines += [
            f"[program:{name}]",
            f"command=bash -c {value(shlex.quote('exec ' + command))}",
            f"directory={value(ROOT)}",
            "autorestart=true",
            # Restarted however often it dies; one that dies within a second counts as a failed start.
            "startsecs=1",
            "startretries=1000000",
            "stopasgroup=true",
            "killasgroup=true",
            "stopwaitsecs=20",
            "redirect_stderr=true",
            "stdout_logfile=/dev/stdout",
            "stdout_logfile_maxbytes=0",
        ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procfile", default=str(ROOT / "Procfile"))
    parser.add_argument("--cache", default=str(ROOT / ".cache"), help="Where supervisord keeps its files.")
    parser.add_argument("--print-config", action="store_true")
    args = parser.parse_args(argv)
    cache = Path(args.cache).resolve()
    text = config(Path(args.procfile), cache)
    if args.print_config:
        sys.stdout.write(text)
        return
    cache.mkdir(parents=True, exist_ok=True)
    conf = cache / "supervisord.conf"
    conf.write_text(text)
    supervisord = Path(sys.executable).parent / "supervisord"
    os.execv(supervisord, [str(supervisord), "-c", str(conf)])  # noqa: S606 - our own venv's supervisord


if __name__ == "__main__":
    main()
