"""The README quotes the latest national run: its opening lines and the table of targets,
between the `bench:start` and `bench:end` markers, with links made relative to the README."""

from __future__ import annotations

import re
from pathlib import Path

START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def summary(markdown: str, *, link_prefix: str) -> str:
    """The results' run and scale lines and the table of targets, up to the first section."""
    lines = markdown.split("\n## ", 1)[0].splitlines()
    body = "\n".join(line for line in lines if not line.startswith("# ")).strip()
    return body.replace("](history/", f"]({link_prefix}history/")


def quote(readme: Path, results_md: Path) -> None:
    """Replace what the README quotes between the markers with the results' summary."""
    text = readme.read_text()
    if START not in text or END not in text:
        raise ValueError(f"{readme} has no {START} … {END} block")
    prefix = results_md.parent.relative_to(readme.parent).as_posix() + "/"
    quoted = summary(results_md.read_text(), link_prefix=prefix)
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
    readme.write_text(pattern.sub(lambda _m: f"{START}\n{quoted}\n{END}", text, count=1))
