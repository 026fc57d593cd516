#!/usr/bin/env python3
"""Report app modules of 400 lines or more and functions of 60 lines or more (README, "Measures").

    .venv/bin/python scripts/check_sizes.py            # the apps; exit 1 when one is too long
    .venv/bin/python scripts/check_sizes.py --all      # every Python file, tests and scripts too

Migrations are generated and left out; so are the benchmark scripts (bench/), as the
README says. A function's length counts its decorators, docstring and body.
"""

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "berniecrat", "calls", "coverage", "districts", "organizing", "pipeline", "public_site", "signups")
MODULE_LINES = 400
FUNCTION_LINES = 60


def python_files(everything: bool):
    roots = [ROOT] if everything else [ROOT / app for app in APPS]
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "migrations" in parts or parts[0] in (".venv", "bench", "staticfiles"):
                continue
            yield path


def too_long(path: Path) -> list[str]:
    text = path.read_text()
    name = path.relative_to(ROOT)
    found = []
    lines = text.count("\n") + (not text.endswith("\n"))
    if lines >= MODULE_LINES:
        found.append(f"{name}: {lines} lines (module)")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            length = node.end_lineno - start + 1
            if length >= FUNCTION_LINES:
                found.append(f"{name}:{start}: {node.name}, {length} lines (function)")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="every Python file, not only the apps")
    found = [line for path in python_files(parser.parse_args().all) for line in too_long(path)]
    print("\n".join(found) or f"Every module under {MODULE_LINES} lines, every function under {FUNCTION_LINES}.")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
