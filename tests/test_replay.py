"""Replay: any recorded decision decided again, byte for byte, or the reason it differs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ndrc_rules

ROOT = Path(__file__).resolve().parent.parent
NDRC = ROOT / "regulations" / "bts_ndrc.reg"
NATIONAL = ROOT / "regulations" / "bts_national.reg"
COHORT = ROOT / "examples" / "candidats_ndrc.csv"
BAD_ROWS = ROOT / "examples" / "candidats_ndrc_erreurs.csv"
SCRIPT = Path(sys.executable).parent / "ndrc-rules"


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )


@pytest.fixture(scope="module")
def decided(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The regulation and its import, decided into JSONL, JSON and a store, once."""
    folder = tmp_path_factory.mktemp("decided")
    for path in (NDRC, NATIONAL, COHORT, BAD_ROWS):
        shutil.copy(path, folder / path.name)
    for options in (
        ["--format", "jsonl", "-o", "out.jsonl"],
        ["--format", "json", "-o", "out.json"],
    ):
        assert run("eval", "bts_ndrc.reg", COHORT.name, *options, cwd=folder).returncode == 0
    run("eval", "bts_ndrc.reg", COHORT.name, "--db", "registre.sqlite", cwd=folder)
    run("eval", "bts_ndrc.reg", BAD_ROWS.name, "--db", "registre.sqlite", cwd=folder)
    return folder


@pytest.fixture
def workdir(decided: Path, tmp_path: Path) -> Path:
    """A fresh copy of `decided` for each test, which may edit or move what it holds."""
    shutil.copytree(decided, tmp_path, dirs_exist_ok=True)
    return tmp_path


def replayed(workdir: Path, source: str, *options: str) -> tuple[int, list[dict[str, object]]]:
    result = run("replay", source, "--format", "json", *options, cwd=workdir)
    assert "Traceback" not in result.stderr
    return result.returncode, json.loads(result.stdout)


@pytest.mark.parametrize("source", ["out.jsonl", "out.json", "registre.sqlite"])
def test_every_recorded_decision_replays_identically(workdir: Path, source: str) -> None:
    code, results = replayed(workdir, source)
    assert code == 0
    decided = [r for r in results if not r["skipped"]]
    assert len(decided) == 38 and all(r["same"] for r in decided)
    skipped = {r["skipped"] for r in results if r["skipped"]}
    assert skipped <= {"replay.row_error"}


def test_one_record_by_number_or_candidate(workdir: Path) -> None:
    assert [r["id"] for r in replayed(workdir, "registre.sqlite", "--seq", "6")[1]] == [
        "2026-NDRC-0006"
    ]
    code, results = replayed(workdir, "out.jsonl", "--id", "2026-NDRC-0006")
    assert code == 0 and [r["key"] for r in results] == ["#6"]
    code, results = replayed(workdir, "out.jsonl", "--id", "personne")
    assert code == 5 and results == []


def test_a_changed_regulation_is_named_with_what_it_changes(workdir: Path) -> None:
    path = workdir / "bts_ndrc.reg"
    path.write_text(path.read_text("utf-8").replace("moyenne_pro > 10", "moyenne_pro >= 10"))
    code, results = replayed(workdir, "out.jsonl")
    assert code == 5
    assert all(not r["same"] for r in results)
    first = results[0]
    assert [f[0] for f in first["changed_files"]] == ["bts_ndrc.reg"]
    changed = [r for r in results if any(d["path"] == "decision" for d in r["differences"])]
    assert changed, "at least one candidate whose outcome the change turns"
    (decision,) = [d for d in changed[0]["differences"] if d["path"] == "decision"]
    assert decision["old"] != decision["new"]


def test_a_changed_import_is_named(workdir: Path) -> None:
    path = workdir / "bts_national.reg"
    path.write_text(path.read_text("utf-8") + "\n# une note ajoutée\n", "utf-8")
    code, results = replayed(workdir, "registre.sqlite", "--seq", "1")
    assert code == 5
    assert [f[0] for f in results[0]["changed_files"]] == ["bts_national.reg"]


def test_an_edited_record_differs_where_it_was_edited(workdir: Path) -> None:
    path = workdir / "out.jsonl"
    lines = path.read_text("utf-8").splitlines()
    lines[0] = lines[0].replace(
        '"figures": {"moyenne_pro": "13.75"', '"figures": {"moyenne_pro": "9.75"'
    )
    path.write_text("\n".join(lines) + "\n", "utf-8")
    code, results = replayed(workdir, "out.jsonl", "--seq", "1")
    assert code == 5
    assert results[0]["changed_files"] == []
    assert results[0]["differences"] == [
        {"path": "figures.moyenne_pro", "old": '"9.75"', "new": '"13.75"'}
    ]


def test_another_engine_version_is_said(workdir: Path) -> None:
    path = workdir / "out.jsonl"
    record = json.loads(path.read_text("utf-8").splitlines()[0])
    record["regulation"]["engine_version"] = "0.0.9"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", "utf-8")
    code, results = replayed(workdir, "out.jsonl")
    assert code == 5 and results[0]["engine"] == ["0.0.9", ndrc_rules.__version__]


def test_a_moved_regulation_replays_with_its_new_place(workdir: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "archive"
    elsewhere.mkdir()
    for name in ("bts_ndrc.reg", "bts_national.reg"):
        (workdir / name).rename(elsewhere / name)
    code, results = replayed(workdir, "out.jsonl", "--seq", "2")
    assert code == 5 and results[0]["skipped"] == "replay.no_regulation"
    shown = run("replay", "out.jsonl", "--seq", "2", cwd=workdir).stdout
    assert "le fichier de règlement enregistré bts_ndrc.reg est introuvable" in shown
    code, results = replayed(
        workdir, "out.jsonl", "--seq", "2", "--regulation", str(elsewhere / "bts_ndrc.reg")
    )
    assert code == 0 and results[0]["same"]


def test_replay_report_speaks_french(workdir: Path) -> None:
    result = run("replay", "out.jsonl", "--seq", "3", cwd=workdir)
    assert result.returncode == 0
    assert "identique" in result.stdout and "1 décision(s) rejouée(s)" in result.stdout


def test_records_of_several_versions_replay_under_their_own(workdir: Path) -> None:
    """A column only the newer version knows is ignored for candidates of the older one,
    at eval as at replay: each version decides with its own columns."""
    text = (workdir / "bts_ndrc.reg").read_text("utf-8")
    sessions = "  session 2020    # arrêté du 19 février 2018, première session 2020\n"
    old = text.replace(sessions, "  session 2020\n  derniere session 2025\n")
    new = text.replace(sessions, "  session 2026\n").replace(
        '    unite UF1 "EF1 Communication en langue étrangère 2"\n',
        '    unite UF1 "EF1 Communication en langue étrangère 2"\n    unite UF2 "EF2"\n',
    )
    (workdir / "v2020.reg").write_text(old, "utf-8")
    (workdir / "v2026.reg").write_text(new, "utf-8")
    grades = "12;11;13;14;12;15"
    (workdir / "sessions.csv").write_text(
        f"id;regime;session;U1;U2;U3;U4;U5;U6;UF2\nA;apprentissage;2025;{grades};16\n"
        f"B;apprentissage;2026;{grades};16\n",
        "utf-8",
    )
    result = run("eval", "v2020.reg", "v2026.reg", "sessions.csv", "--format", "jsonl", cwd=workdir)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["ignored_columns"] for r in records] == [["UF2"], []]
    assert [r["regulation"]["path"] for r in records] == ["v2020.reg", "v2026.reg"]
    (workdir / "sessions.jsonl").write_text(result.stdout, "utf-8")
    code, results = replayed(workdir, "sessions.jsonl")
    assert code == 0 and [r["same"] for r in results] == [True, True]


def test_broken_record_files_are_reported(workdir: Path) -> None:
    path = workdir / "out.jsonl"
    first, *_ = path.read_text("utf-8").splitlines()
    path.write_text(first[: len(first) // 2] + "\n[1, 2]\n" + first + "\n", "utf-8")
    code, results = replayed(workdir, "out.jsonl")
    assert code == 5
    assert [r["skipped"] for r in results] == ["replay.unreadable", "replay.unreadable", None]
    (workdir / "autre.json").write_text('{"decisions": []}', "utf-8")
    result = run("replay", "autre.json", cwd=workdir)
    assert result.returncode == 2 and "pas de liste `results`" in result.stderr
    assert "Traceback" not in result.stderr


def in_process(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """The command run in this process (faster than the console script)."""
    from ndrc_rules.cli import main

    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_missing_regulation_given_is_named_before_any_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--regulation nope.reg`: the file is named as missing, not `indiquez --regulation`."""
    monkeypatch.chdir(tmp_path)
    Path("out.jsonl").write_text('{"id": "x"}\n', "utf-8")
    code, out, err = in_process(capsys, "replay", "out.jsonl", "--regulation", "nope.reg")
    assert (code, out) == (2, "")
    assert "fichier introuvable : nope.reg" in err and "--regulation" not in err
    Path("dossier.reg").mkdir()
    code, _, err = in_process(capsys, "replay", "out.jsonl", "--regulation", "dossier.reg")
    assert code == 2 and "impossible de lire dossier.reg" in err
    Path("faux.reg").write_text("diplome\n", "utf-8")
    code, _, err = in_process(capsys, "replay", "out.jsonl", "--regulation", "faux.reg")
    assert code == 1 and "faux.reg:1:" in err


def test_explain_json_replays_byte_for_byte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `explain --format json` prints ("rejouable : ndrc-rules replay") replays,
    saved under any name."""
    for path in (NDRC, NATIONAL):
        shutil.copy(path, tmp_path / path.name)
    monkeypatch.chdir(tmp_path)
    code, explained, _ = in_process(
        capsys, "explain", "bts_ndrc.reg", COHORT, "--id", "2026-NDRC-0006", "--format", "json"
    )
    assert code == 0
    # The comparison reads the decision as eval writes it; the printed text is that
    # record, indented, so nothing of it escapes the comparison.
    assert json.dumps(json.loads(explained), ensure_ascii=False, indent=2) + "\n" == explained
    edited = explained.replace('"decision": "rattrapage"', '"decision": "admis"', 1)
    assert edited != explained
    for name in ("trace.json", "trace.txt"):
        Path(name).write_text(explained, "utf-8")
        code, out, _ = in_process(capsys, "replay", name, "--format", "json")
        assert code == 0
        assert [(r["key"], r["id"], r["same"], r["skipped"]) for r in json.loads(out)] == [
            ("#1", "2026-NDRC-0006", True, None)
        ]
        Path(name).write_text(edited, "utf-8")
        code, out, _ = in_process(capsys, "replay", name, "--format", "json")
        difference = {"path": "decision", "old": '"admis"', "new": '"rattrapage"'}
        assert code == 5 and difference in json.loads(out)[0]["differences"]


# --- issue 11, point 9: a store of any size replays in constant memory -------------------
@pytest.mark.parametrize("format_", ["table", "json"])
def test_replay_shows_each_record_before_reading_the_next(
    workdir: Path,
    format_: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Bounded memory, structurally: each result is shown before the next record is
    read, for records from a store; the JSON list printed is the whole list."""
    from ndrc_rules import cli
    from ndrc_rules.audit import store

    each_record = store.Store.each_record
    pulled = 0

    def counted(self: store.Store, **filters: object):  # type: ignore[no-untyped-def]
        nonlocal pulled
        for row in each_record(self, **filters):  # type: ignore[arg-type]
            shown = capsys.readouterr().out
            assert pulled == 0 or shown, f"record {pulled} was not shown before the next"
            pulled += 1
            yield row

    monkeypatch.setattr(store.Store, "each_record", counted)
    monkeypatch.chdir(workdir)
    code = cli.main(["replay", "registre.sqlite", "--format", format_])
    last = capsys.readouterr().out
    assert code == 0 and pulled > 40
    if format_ == "json":
        assert last.endswith("\n]\n")
        whole = run("replay", "registre.sqlite", "--format", "json", cwd=workdir).stdout
        assert len(json.loads(whole)) == pulled
        assert whole == json.dumps(json.loads(whole), ensure_ascii=False, indent=2) + "\n"
    else:
        assert f"{pulled} décision(s) rejouée(s)" in " ".join(last.split())


def test_replay_of_nothing_prints_an_empty_list(workdir: Path) -> None:
    code, results = replayed(workdir, "registre.sqlite", "--seq", "100000")
    assert code == 5 and results == []
