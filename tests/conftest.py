"""Shared fixtures: paths into the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def ndrc_path() -> Path:
    return ROOT / "regulations" / "bts_ndrc.reg"


@pytest.fixture
def with_national(tmp_path: Path) -> Path:
    """tmp_path holding the national base, so that copies of a diploma's file
    written there find the file they import."""
    national = ROOT / "regulations" / "bts_national.reg"
    (tmp_path / national.name).write_bytes(national.read_bytes())
    return tmp_path
