"""Rewrite the output shown under each ``$ backorder-sim ...`` line of the docs' console
blocks with what this version prints (a maintainer's tool, not a test).

    python tests/docs/regenerate.py [PAGE.md ...]

Only commands whose shown output has no ``...`` gap are rewritten: a gap means the page
shows a chosen part of the output, which a person has to pick again. Those are listed at the
end, with every command whose output no longer matches. Read the diff before committing:
the prose around an example may quote numbers that changed.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from test_examples import (  # noqa: E402  (after the path is set)
    DOCS,
    FENCE,
    GAP,
    PAGES,
    ROOT,
    check_output,
    run_command,
)


def regenerate(page: Path) -> list[str]:
    """Rewrite ``page``'s console outputs in place; the commands that need a person."""
    lines = page.read_text(encoding="utf-8").splitlines()
    out: list[str] = []
    todo: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        match = FENCE.match(line)
        i += 1
        if match is None:
            continue
        body: list[str] = []
        while i < len(lines) and lines[i].rstrip() != "```":
            body.append(lines[i])
            i += 1
        if match.group(1) != "console":
            out += body
        else:
            todo += _rewrite_console(page, body, out)
        if i < len(lines):
            out.append(lines[i])  # the closing fence
            i += 1
    page.write_text("\n".join(out) + "\n", encoding="utf-8")
    return todo


def _rewrite_console(page: Path, body: list[str], out: list[str]) -> list[str]:
    """Append ``body`` to ``out`` with each command's output as it is now."""
    todo: list[str] = []
    j = 0
    while j < len(body):
        command = body[j]
        out.append(command)
        j += 1
        shown: list[str] = []
        while j < len(body) and not body[j].startswith("$ "):
            shown.append(body[j])
            j += 1
        if not command.startswith("$ "):
            out += shown
            continue
        actual = run_command(command[2:])
        where = f"{page.relative_to(DOCS)}: {command}"
        try:
            check_output(where, [s.rstrip() for s in shown], actual)
            out += shown
        except AssertionError:
            if GAP in shown:
                todo.append(where)
                out += shown
            else:
                out += actual
    return todo


def main(argv: list[str]) -> int:
    pages = [Path(p).resolve() for p in argv] or PAGES
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("scenarios", "docs"):
            (Path(tmp) / name).symlink_to(ROOT / name, target_is_directory=True)
        os.chdir(tmp)
        os.environ["COLUMNS"] = "80"
        todo = [where for page in pages for where in regenerate(page)]
    for where in todo:
        print(f"needs a person (output with '...' gaps no longer matches): {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
