"""The public surface: every exported name exists, and the top-level ones are documented.

Why: ``__all__`` is the promise of what users may import. A name listed but missing
breaks ``from babelsearch import *`` only at run time; a name exported but written
nowhere in the README or docs/ is an API nobody can find.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import babelsearch

ROOT = Path(__file__).resolve().parents[2]


def _subpackages() -> list[str]:
    return sorted(
        f"babelsearch.{m.name}"
        for m in pkgutil.iter_modules(babelsearch.__path__)
        if m.ispkg and not m.name.startswith("_")
    )


def _modules_with_all() -> list[str]:
    """The package, its subpackages and its public modules that declare ``__all__``
    (a subpackage without one fails ``test_every_subpackage_declares_all``)."""
    names = []
    for m in [None, *pkgutil.iter_modules(babelsearch.__path__)]:
        name = "babelsearch" if m is None else f"babelsearch.{m.name}"
        if m is not None and m.name.startswith("_"):
            continue
        if hasattr(importlib.import_module(name), "__all__"):
            names.append(name)
    return sorted(names)


def test_every_subpackage_declares_all() -> None:
    missing = [
        name for name in _subpackages() if not hasattr(importlib.import_module(name), "__all__")
    ]
    assert missing == [], f"subpackages without __all__: {missing}"


@pytest.mark.parametrize("module_name", _modules_with_all())
def test_every_name_in_all_exists(module_name: str) -> None:
    module = importlib.import_module(module_name)
    exported = list(module.__all__)
    assert len(exported) == len(set(exported)), f"{module_name}.__all__ repeats a name"
    missing = [name for name in exported if not hasattr(module, name)]
    assert missing == [], f"{module_name}.__all__ lists names it does not define: {missing}"


def _documentation() -> str:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(p.read_text("utf-8") for p in pages)


def test_every_top_level_name_is_documented() -> None:
    text = _documentation()
    undocumented = [
        name
        for name in babelsearch.__all__
        if not re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text)
    ]
    assert undocumented == [], (
        f"in babelsearch.__all__ but not in README.md or docs/*.md: {undocumented}"
    )
