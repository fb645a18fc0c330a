"""The committed CodeMirror bundle (src/ndrc_rules/web/static/editor.{js,css}) is the build
of the committed web/ sources and lock file, exposes NdrcEditor, and fetches nothing."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
STATIC = ROOT / "src" / "ndrc_rules" / "web" / "static"
BUNDLES = [STATIC / "editor.js", STATIC / "editor.css"]
# XML namespace names the SVG squiggles of @codemirror/lint declare: identifiers, never fetched.
NAMESPACES = {"http://www.w3.org/2000/svg"}


def source_hash() -> str:
    """The hash web/build.mjs writes: sha256 over each input as `path NUL content NUL`."""
    paths = ["build.mjs", "build.sh", "package-lock.json", "package.json"]
    paths += [f"src/{path.name}" for path in (WEB / "src").iterdir()]
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.encode() + b"\0" + (WEB / path).read_bytes() + b"\0")
    return digest.hexdigest()


def header(bundle: Path) -> str:
    text = bundle.read_text(encoding="utf-8")
    match = re.match(r"/\*!\n(.*?)\n \*/\n", text, re.DOTALL)
    assert match, f"{bundle.name} has no header comment"
    return match.group(1)


def body(bundle: Path) -> str:
    """The bundle without its header comment."""
    text = bundle.read_text(encoding="utf-8")
    return text[text.index("\n */\n") + 5 :]


@pytest.mark.parametrize("bundle", BUNDLES, ids=lambda path: path.name)
def test_bundle_is_the_build_of_the_committed_sources(bundle: Path) -> None:
    assert f"source-hash: sha256:{source_hash()}" in header(bundle), (
        f"{bundle.name} is stale: rebuild it with `cd web && npm ci && sh build.sh`"
    )


def test_bundle_names_every_package_at_its_locked_version_and_license() -> None:
    lock = json.loads((WEB / "package-lock.json").read_text(encoding="utf-8"))
    locked = {
        path.removeprefix("node_modules/"): entry
        for path, entry in lock["packages"].items()
        if path.startswith("node_modules/")
    }
    listed = re.findall(r"^ \*   (\S+)@(\S+) \((\S+)\)", header(STATIC / "editor.js"), re.MULTILINE)
    names = {name for name, _, _ in listed}
    assert {"@codemirror/state", "@codemirror/view", "@codemirror/lint"} <= names
    for name, version, license_name in listed:
        assert locked[name]["version"] == version
        assert not locked[name].get("dev", False), f"{name} is a development dependency"
        assert license_name == locked[name]["license"] == "MIT"


def test_bundle_exposes_the_editor() -> None:
    code = body(STATIC / "editor.js")
    assert "window.NdrcEditor" in code
    assert code.startswith("(()=>{"), "the bundle is one immediately invoked function"


@pytest.mark.parametrize("bundle", BUNDLES, ids=lambda path: path.name)
def test_bundle_fetches_nothing_from_the_network(bundle: Path) -> None:
    addresses = set(re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"'`)]*", body(bundle)))
    assert addresses <= NAMESPACES
    assert "@import" not in body(bundle)
