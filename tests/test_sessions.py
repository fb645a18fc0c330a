"""A candidate's session outside every given version is an error record, never a decision.

Issue 10, point 1: the three situations met (a file first held in 2027 and a 2026
candidate; `derniere session 2026` and a 1990 candidate; a diploma first held in
2009 and a 2008 candidate), through every path that decides: `eval` in each
format (the generated fast paths included), `explain`, `diff`, `replay` and the
Python API. The regulation-level cases are data in tests/conformance/.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ndrc_rules
from ndrc_rules import CandidateError
from ndrc_rules.audit.records import ERROR
from ndrc_rules.cli import main
from ndrc_rules.io.candidates import RowError, candidate_from_mapping
from ndrc_rules.versions import Versions

ROOT = Path(__file__).resolve().parent.parent
NDRC = ROOT / "regulations" / "bts_ndrc.reg"
NATIONAL = ROOT / "regulations" / "bts_national.reg"
FIRST_SESSION = "  session 2020    # arrêté du 19 février 2018, première session 2020\n"
GRADES = {"U1": "12", "U2": "12", "U3": "12", "U4": "12", "U5": "12", "U6": "12"}

# (the file's sessions, the candidate's session outside them, the range the error names)
SITUATIONS = [
    pytest.param("  session 2027\n", "2026", "2027–…", id="first-2027-candidate-2026"),
    pytest.param(
        "  session 2020\n  derniere session 2026\n", "1990", "2020–2026", id="last-2026-cand-1990"
    ),
    pytest.param(
        "  session 2020\n  derniere session 2026\n", "2027", "2020–2026", id="last-2026-cand-2027"
    ),
    pytest.param("  session 2009\n", "2008", "2009–…", id="first-2009-candidate-2008"),
]


def version(folder: Path, sessions: str, name: str = "version.reg") -> Path:
    """The NDRC regulation stating `sessions`, next to a copy of its national base."""
    (folder / NATIONAL.name).write_text(NATIONAL.read_text("utf-8"), "utf-8")
    path = folder / name
    path.write_text(NDRC.read_text("utf-8").replace(FIRST_SESSION, sessions), "utf-8")
    return path


def cohort(folder: Path, session: str) -> Path:
    """Two plain candidates (the fast paths take them): one of `session`, one with none."""
    path = folder / "candidats.csv"
    header = ";".join(["id", "regime", "session", *GRADES])
    rows = [
        f"{id_};apprentissage;{s};" + ";".join(GRADES.values())
        for id_, s in (("hors", session), ("sans", ""))
    ]
    path.write_text("\n".join([header, *rows]) + "\n", "utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(("sessions", "session", "covered"), SITUATIONS)
@pytest.mark.parametrize("format_", ["csv", "jsonl", "json", "table"])
def test_eval_never_decides_a_session_the_file_does_not_cover(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    sessions: str,
    session: str,
    covered: str,
    format_: str,
) -> None:
    regulation, candidates = version(tmp_path, sessions), cohort(tmp_path, session)
    code, out, _ = run(capsys, "eval", regulation, candidates, "--format", format_)
    assert code == 3  # rows in error
    message = f"session {session} (sessions couvertes : {covered})"
    if format_ in ("jsonl", "json"):
        lines = out.splitlines() if format_ == "jsonl" else None
        records = [json.loads(line) for line in lines] if lines else json.loads(out)["results"]
        assert [r.get("error", {}).get("code") for r in records] == ["C030", None]
        assert message in records[0]["error"]["message"]
        assert records[0]["error"]["field"] == "session"
        assert records[1]["decision"] == "admis"  # no session: decided, as documented
    else:
        assert "C030" in out and message in " ".join(out.split())
        assert "admis" in out.lower()


@pytest.mark.parametrize(("sessions", "session", "covered"), SITUATIONS)
def test_explain_says_the_session_is_not_covered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sessions: str, session: str, covered: str
) -> None:
    regulation, candidates = version(tmp_path, sessions), cohort(tmp_path, session)
    for format_ in ("tree", "json"):
        code, out, err = run(
            capsys, "explain", regulation, candidates, "--id", "hors", "--format", format_
        )
        assert (code, out) == (3, "")
        assert f"session {session} (sessions couvertes : {covered})" in " ".join(err.split())


@pytest.mark.parametrize(("sessions", "session", "covered"), SITUATIONS)
def test_the_python_api_never_decides_it(
    tmp_path: Path, sessions: str, session: str, covered: str
) -> None:
    regulation = ndrc_rules.load(version(tmp_path, sessions))
    row = {"id": "hors", "regime": "apprentissage", "session": session, **GRADES}
    with pytest.raises(CandidateError) as caught:
        regulation.decide(row)
    assert (caught.value.error.code, caught.value.error.field) == ("C030", "session")
    assert covered in caught.value.error.message
    candidate = candidate_from_mapping(2, row)
    assert not isinstance(candidate, RowError)
    outcome = regulation.outcome(candidate)  # the generated fast path takes plain grades
    assert isinstance(outcome, RowError) and outcome.code == "C030"
    written, line = regulation.record_line(candidate)
    assert written == ERROR and json.loads(line)["error"]["code"] == "C030"
    (result,) = regulation.decide_all([candidate], trace=False)
    assert isinstance(result, RowError) and result.code == "C030"
    inside = candidate.model_copy(update={"session": None})
    assert regulation.outcome(inside) == ("admis", "admission")


def test_several_versions_name_every_range_covered(tmp_path: Path) -> None:
    old = version(tmp_path, "  session 2020\n  derniere session 2025\n", "v2020.reg")
    new = version(tmp_path, "  session 2026\n  derniere session 2027\n", "v2026.reg")
    versions = Versions.load([new, old])
    for session, decided in (("2019", False), ("2020", True), ("2027", True), ("2028", False)):
        row = {"id": "c", "regime": "apprentissage", "session": session, **GRADES}
        candidate = candidate_from_mapping(2, row)
        assert not isinstance(candidate, RowError)
        result = versions.try_decide(candidate, trace=False)
        assert isinstance(result, RowError) is not decided, session
        if not decided:
            assert result.code == "C030"
            assert "2020–2025, 2026–2027" in result.message
        kind, _ = next(versions.record_lines([candidate]))
        assert (kind == ERROR) is not decided


def test_diff_puts_the_uncovered_side_in_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """NDRC (2020–) against a version first held in 2027, on 2026 candidates: decided
    under the first, errors under the second, never a change of outcome."""
    new = version(tmp_path, "  session 2027\n", "v2027.reg")
    code, out, _ = run(capsys, "diff", NDRC, new, cohort(tmp_path, "2026"), "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["summary"]["changed"] == 0
    (row,) = report["errors"]
    assert row["id"] == "hors"
    assert "error" not in row["old"] and row["new"]["error"]["code"] == "C030"


def test_replay_under_a_version_that_does_not_cover_the_session(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A record decided for session 2026, replayed under a text first held in 2027:
    it comes out as an error record, and the replay says it differs."""
    records = tmp_path / "out.jsonl"
    candidates = cohort(tmp_path, "2026")
    assert run(capsys, "eval", NDRC, candidates, "--format", "jsonl", "-o", records)[0] == 0
    later = version(tmp_path, "  session 2027\n", "v2027.reg")
    code, out, _ = run(
        capsys, "replay", records, "--seq", "1", "--regulation", later, "--format", "json"
    )
    (result,) = json.loads(out)
    assert code == 5 and not result["same"]
    differences = {d["path"]: d["new"] for d in result["differences"]}
    assert '"C030"' in differences["error"]
