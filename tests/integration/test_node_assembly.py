"""The assembled distribution has the layout of a real OpenSearch tarball.

Checked on the home the session's node runs from (assembled by the first start;
``BABELSEARCH_HOME`` selects it in CI), without starting another JVM.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

from babelsearch.node import LocalNode
from babelsearch.node.assemble import MARKER
from babelsearch.node.spec import distribution_spec

pytestmark = pytest.mark.integration

_VERSION = re.compile(r"-\d[^/]*\.jar$")


@pytest.fixture(scope="module")
def home() -> Path:
    return LocalNode().assemble()


def _descriptor(folder: Path) -> dict[str, str]:
    lines = (folder / "plugin-descriptor.properties").read_text().splitlines()
    return dict(ln.split("=", 1) for ln in lines if "=" in ln and not ln.startswith("#"))


def test_layout_and_marker(home: Path) -> None:
    for part in ("lib", "modules", "plugins", "config"):
        assert (home / part).is_dir(), part
    for name in ("opensearch.yml", "jvm.options", "log4j2.properties"):
        assert (home / "config" / name).is_file()
    marker = json.loads((home / MARKER).read_text())
    assert marker["version"] == "2.19.1"
    assert {"opensearch-knn", "opensearch-neural-search"} <= set(marker["plugins"])
    lib = {p.name for p in (home / "lib").glob("*.jar")}
    for jar in (
        "opensearch-2.19.1.jar",
        "opensearch-plugin-classloader-2.19.1.jar",
        "log4j-core-2.21.0.jar",
        "lucene-core-9.12.1.jar",
    ):
        assert jar in lib


def test_every_module_has_a_descriptor_naming_a_class_in_its_jar(home: Path) -> None:
    spec = distribution_spec("2.19.1")
    assert sorted(p.name for p in (home / "modules").iterdir()) == sorted(
        m.name for m in spec.modules
    )
    for mod in spec.modules:
        folder = home / "modules" / mod.name
        desc = _descriptor(folder)
        assert desc["name"] == mod.name and desc["opensearch.version"] == "2.19.1"
        with zipfile.ZipFile(folder / f"{mod.artifact_id}-2.19.1.jar") as zf:
            assert desc["classname"].replace(".", "/") + ".class" in zf.namelist()
        assert (folder / "plugin-security.policy").is_file() == (mod.policy is not None)


def test_no_jar_is_both_in_lib_and_in_a_module(home: Path) -> None:
    """A module jar that duplicates lib/ would fail OpenSearch's jar-hell check."""
    lib = {_VERSION.sub("", p.name) for p in (home / "lib").glob("*.jar")}
    for folder in (home / "modules").iterdir():
        dupes = {_VERSION.sub("", p.name) for p in folder.glob("*.jar")} & lib
        assert not dupes, (folder.name, dupes)


def test_plugins_are_the_published_zips(home: Path) -> None:
    knn = _descriptor(home / "plugins" / "opensearch-knn")
    neural = _descriptor(home / "plugins" / "opensearch-neural-search")
    assert knn["version"] == neural["version"] == "2.19.1.0"
    assert knn["extended.plugins"] == "lang-painless"
    assert neural["extended.plugins"] == "opensearch-knn"
