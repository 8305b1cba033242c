"""Code cites only what ships with it: every Markdown file a module, template or test names is
a file of the repository (issue #9: docstrings cite docs/, not files outside)."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CITED = re.compile(r"(?<![\w./-])([\w./-]+\.md)\b")
SCANNED = ("config", "workflows", "agencies", "templates", "tests", "bench")


def citations(text: str) -> set[str]:
    """The Markdown paths a text names."""
    return set(CITED.findall(text))


def test_a_citation_is_found_by_the_pattern():
    assert citations("see (docs/architecture.md, Audit) and /elsewhere/plan.md.") == {
        "docs/architecture.md",
        "/elsewhere/plan.md",
    }


def shipped(name: str, markdown: set[str]) -> bool:
    """A repository path, or the name of a repository file under its folder (results/latest.md)."""
    return name in markdown or any(path.endswith(f"/{name}") for path in markdown)


def test_every_cited_markdown_file_is_in_the_repository():
    markdown = {
        path.relative_to(ROOT).as_posix()
        for path in ROOT.rglob("*.md")
        if not {".venv", ".git", "build"} & set(path.relative_to(ROOT).parts)
    }
    missing = []
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in (".py", ".html") or path == Path(__file__):
                continue
            for name in citations(path.read_text(encoding="utf-8")):
                if not shipped(name, markdown):
                    missing.append(f"{path.relative_to(ROOT)}: {name}")
    assert not missing, missing
