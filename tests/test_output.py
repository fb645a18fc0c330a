"""What people and files receive: displayed values, output files, the terminal table,
the audit filters (issue 10, points 4, 8, 9, 10)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NDRC = ROOT / "regulations" / "bts_ndrc.reg"
COHORT = ROOT / "examples" / "candidats_ndrc.csv"
SCRIPT = Path(sys.executable).parent / "ndrc-rules"

# U6 10,02 puts the professional average at 2001/200 = 10.005, just above `> 10`;
# the general average is 9.14: a resit, decided by `moyenne_pro > 10`.
NEAR = "id;regime;U1;U2;U3;U4;U5;U6\nP1;apprentissage;8;8;8;10;10;10,02\n"
CSV_START = "\ufeffLigne;Identifiant;"  # the CSV for spreadsheets: a BOM, French headers


def run(*args: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **kwargs,
    )


@pytest.fixture
def near(tmp_path: Path) -> Path:
    path = tmp_path / "near.csv"
    path.write_text(NEAR, "utf-8")
    return path


# --- point 4: the digits that decide are shown -----------------------------------------
def test_explain_shows_the_digits_that_decide(near: Path) -> None:
    result = run("explain", NDRC, near, "--id", "P1")
    assert result.returncode == 0, result.stderr
    assert "Moyenne des unités professionnelles = 10,005 (moyenne_pro)" in result.stdout
    assert "moyenne_pro > 10  [10,005 comparé à 10,00]" in result.stdout


def test_csv_json_and_table_show_the_digits_that_decide(near: Path) -> None:
    csv = run("eval", NDRC, near, "--format", "csv", "--headers", "id").stdout.splitlines()
    shown = dict(zip(csv[0].split(";"), csv[1].split(";"), strict=True))
    figures = [shown[name] for name in ("moyenne_pro", "points_facultatifs", "moyenne_generale")]
    assert figures == ["10,005", "0,00", "9,14"]
    for format in ("json", "jsonl"):
        out = run("eval", NDRC, near, "--format", format).stdout
        record = json.loads(out)["results"][0] if format == "json" else json.loads(out)
        assert record["figures"]["moyenne_pro"] == "10.005"
        assert record["trace"]["figures"][0]["display"] == "10.005"
    assert "10,005" in run("eval", NDRC, near).stdout  # the table is for people


# --- point 8: output files complete or absent, French errors, modes, closed pipes --------
def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_output_to_a_folder_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    result = run("eval", NDRC, COHORT, "-o", ".", "--format", "csv", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        ". est un dossier : indiquez un fichier de sortie, par exemple resultats.csv"
    )
    assert list(tmp_path.iterdir()) == []


def test_output_in_a_missing_folder_names_the_users_path(tmp_path: Path) -> None:
    target = tmp_path / "absent" / "out.csv"
    store = tmp_path / "registre.sqlite"
    result = run("eval", NDRC, COHORT, "-o", target, "--format", "csv", "--db", store)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"impossible d'écrire {target} : le dossier {target.parent} n'existe pas"
    )
    assert not store.exists()  # nothing made when the output cannot be
    through_a_file = tmp_path / "fichier"
    through_a_file.write_text("", "utf-8")
    result = run("eval", NDRC, COHORT, "-o", through_a_file / "out.csv")
    assert "un élément du chemin n'est pas un dossier" in result.stderr
    assert "Errno" not in result.stderr and ".out.csv." not in result.stderr


def test_a_write_failing_midway_leaves_no_file(tmp_path: Path) -> None:
    import resource

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    target = tmp_path / "out.jsonl"
    result = run("eval", NDRC, COHORT, "-o", target, "--format", "jsonl", preexec_fn=small_files)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"impossible d'écrire {target} : fichier trop grand (limite du système) ; "
        "aucun fichier n'a été écrit"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_new_output_files_follow_the_umask(tmp_path: Path, umask: int) -> None:
    import os
    import stat

    target = tmp_path / "out.csv"
    result = run(
        "eval", NDRC, COHORT, "-o", target, "--format", "csv", preexec_fn=lambda: os.umask(umask)
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    target.chmod(0o644)
    run("eval", NDRC, COHORT, "-o", target, "--format", "csv", preexec_fn=lambda: os.umask(0o077))
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # a replaced file keeps its mode
    assert leftovers(tmp_path) == []


# --- issue 11, point 7: outputs that are not regular files ------------------------------
def _read_fifo(fifo: Path, got: list[str]) -> threading.Thread:
    """A reader on the other end of `fifo`, keeping what it reads in `got`."""

    def read() -> None:
        with fifo.open(encoding="utf-8") as pipe:
            got.append(pipe.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return reader


def test_output_to_a_fifo_is_written_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "sortie"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = _read_fifo(fifo, got)
    result = run("eval", NDRC, COHORT, "-o", fifo, "--format", "csv")
    reader.join(timeout=30)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # still a FIFO, not a file put in its place
    assert got and got[0].startswith(CSV_START) and got[0].count("\n") == 39
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sortie"]


def test_output_to_a_device_is_written_in_place(tmp_path: Path) -> None:
    device = tmp_path / "null"
    try:  # a copy of /dev/null made here: the real one is never touched
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except OSError:
        pytest.skip("creating a device needs privileges this run does not have")
    result = run("eval", NDRC, COHORT, "-o", device, "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    assert stat.S_ISCHR(device.lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_output_through_a_symlink_writes_its_target_and_keeps_the_link(tmp_path: Path) -> None:
    (tmp_path / "archive").mkdir()
    target = tmp_path / "archive" / "resultats.csv"
    target.write_text("ancien\n", "utf-8")
    target.chmod(0o640)
    link = tmp_path / "dernier.csv"
    link.symlink_to(target)
    result = run("eval", NDRC, COHORT, "-o", link, "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and link.readlink() == target
    assert target.read_text("utf-8").startswith(CSV_START)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == [] and leftovers(tmp_path / "archive") == []
    dangling = tmp_path / "nouveau.csv"
    dangling.symlink_to(tmp_path / "archive" / "nouveau.csv")
    assert run("eval", NDRC, COHORT, "-o", dangling, "--format", "csv").returncode == 0
    assert dangling.is_symlink() and dangling.resolve().read_text("utf-8").startswith(CSV_START)


def test_output_through_a_symlink_to_a_fifo_is_written_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "tube"
    os.mkfifo(fifo)
    link = tmp_path / "sortie.jsonl"
    link.symlink_to(fifo)
    got: list[str] = []
    reader = _read_fifo(fifo, got)
    result = run("eval", NDRC, COHORT, "-o", link, "--format", "jsonl")
    reader.join(timeout=30)
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and stat.S_ISFIFO(fifo.lstat().st_mode)
    assert got and got[0].count("\n") == 38


@pytest.mark.parametrize("format", ["jsonl", "csv", "table", "json"])
def test_a_closed_pipe_ends_quietly(format: str, tmp_path: Path) -> None:
    header, *rows = COHORT.read_text("utf-8").splitlines()
    cohort = tmp_path / "cohort.csv"  # more than a pipe holds, in every format
    copies = [f"{n}-{row}" for n in range(60) for row in rows]
    cohort.write_text("\n".join([header, *copies]) + "\n", "utf-8")
    process = subprocess.Popen(
        [str(SCRIPT), "eval", NDRC, cohort, "--format", format],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(10)
    process.stdout.close()  # `| head -c 10`
    # 141 (128 + SIGPIPE) when a write meets the closed pipe; 0 if the system took
    # the whole output before the reader went away (one large write).
    assert process.wait(timeout=60) in ({0, 141} if format == "json" else {141})
    said = process.stderr.read().decode()
    assert "Errno" not in said and "Traceback" not in said and "Broken pipe" not in said


# --- point 9: the table reads at 80 columns, and streams ----------------------------------
def shown_table(width: int, path: Path = COHORT) -> str:
    from io import StringIO

    from rich.console import Console

    import ndrc_rules
    from ndrc_rules.cli import evaluate
    from ndrc_rules.render.trace import Vocabulary

    regulation = ndrc_rules.load(NDRC)
    figures = [f.name for f in regulation.program.regimes[0].figures]
    results = regulation.decide_all(regulation.read(path), trace=False)
    out = StringIO()
    console = Console(file=out, width=width, highlight=False)
    words = Vocabulary.of([regulation.program])
    for table in evaluate.decision_tables(results, figures, "Décisions", console, words):
        console.print(table)
    return out.getvalue()


@pytest.mark.parametrize("width", [80, 100, 120, 160, 200])
def test_the_table_holds_every_value_whole_at_any_width(width: int) -> None:
    import ndrc_rules

    shown = shown_table(width)
    assert max(len(line) for line in shown.splitlines()) <= width
    assert "…" not in shown
    words = set(shown.split())
    regulation = ndrc_rules.load(NDRC)
    titles = {"admission": "Admission", "rattrapage": "Éligibilité au rattrapage"}
    titles |= {"absence": "Absence injustifiée à une unité obligatoire"}
    titles |= {"sinon": "résultat par défaut"}
    for d in regulation.decide_all(regulation.read(COHORT), trace=False):
        values = {v.replace(".", ",") for v in d.figures.values()}  # the decimal comma
        assert {d.id, d.regime, *values} <= words, d.id
        assert not words & set(d.figures.values()), d.id  # never the point
        assert set(titles[d.deciding_rule].split()) <= words, d.id
        assert f"{Path(d.deciding_rule_source.file).name}:{d.deciding_rule_source.line}" in shown
        assert all(word in words for word in d.label.split())
    assert {"Moyenne", "générale", "professionnelles"} <= words  # figures by their titles
    assert "moyenne_generale" not in shown
    if width >= 200:  # room enough: one line per candidate
        assert "2026-NDRC-0001  apprentissage" in shown


def test_row_errors_are_shown_whole_in_the_narrow_table() -> None:
    shown = shown_table(80, ROOT / "examples" / "candidats_ndrc_erreurs.csv")
    assert max(len(line) for line in shown.splitlines()) <= 80
    flat = " ".join(shown.split())
    assert "2026-NDRC-0012" in flat and "erreur C001 (U3) : note illisible `abs.`" in flat


def test_the_readme_command_reads_at_80_columns_on_a_terminal(tmp_path: Path) -> None:
    import shutil

    if shutil.which("script") is None:
        pytest.skip("no `script` to give the command a terminal")
    command = f"'{SCRIPT}' eval '{NDRC}' '{COHORT}'"
    result = subprocess.run(
        ["script", "-qec", command, "/dev/null"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "COLUMNS": "80", "LINES": "50", "TERM": "dumb"},
        check=False,
    )
    lines = result.stdout.replace("\r", "").splitlines()
    assert result.returncode == 0, result.stdout
    assert max(len(line) for line in lines) <= 80
    assert "Moyenne générale     13,07" in result.stdout and "…" not in result.stdout


def test_the_table_consumes_results_as_it_prints_them() -> None:
    """Bounded memory, structurally: each table is printed after at most one chunk
    more of results than it holds; no list of the cohort is made."""
    from io import StringIO

    from rich.console import Console

    import ndrc_rules
    from ndrc_rules.cli import evaluate

    regulation = ndrc_rules.load(NDRC)
    figures = [f.name for f in regulation.program.regimes[0].figures]
    template = next(iter(regulation.decide_all(regulation.read(COHORT), trace=False)))
    pulled = 0

    def results():  # type: ignore[no-untyped-def]
        nonlocal pulled
        for i in range(5 * evaluate.CHUNK + 7):
            pulled += 1
            yield template.model_copy(update={"row": i, "id": f"C{i}"})

    console = Console(file=StringIO(), width=80)
    tables = evaluate.decision_tables(results(), figures, "Décisions", console)
    for printed, table in enumerate(tables, start=1):
        assert pulled <= printed * evaluate.CHUNK
        assert table.row_count <= evaluate.CHUNK
    assert pulled == 5 * evaluate.CHUNK + 7


def test_eval_streams_the_table_it_writes(tmp_path: Path) -> None:
    """`eval` in table mode writes the first rows before it reads the last."""
    from ndrc_rules import cli
    from ndrc_rules.cli import evaluate

    rows = 3 * evaluate.CHUNK
    source = tmp_path / "cohort.csv"
    lines = ["id;regime;U1;U2;U3;U4;U5;U6"] + [
        f"C{i};apprentissage;10;11;12;13;14;15" for i in range(rows)
    ]
    source.write_text("\n".join(lines) + "\n", "utf-8")
    target = tmp_path / "table.txt"
    seen: list[int] = []
    real = evaluate._counting

    def watching(results, counts):  # type: ignore[no-untyped-def]
        for result in real(results, counts):
            seen.append(_written(tmp_path))
            yield result

    import unittest.mock

    with unittest.mock.patch.object(evaluate, "_counting", watching):
        assert cli.main(["eval", str(NDRC), str(source), "-o", str(target)]) == 0
    assert seen[-1] > 0  # the last row was read after rows were written
    assert f"{rows} lignes : {rows} décisions" in target.read_text("utf-8")


def _written(folder: Path) -> int:
    """Bytes written so far to the hidden temporary output in `folder`."""
    return sum(p.stat().st_size for p in folder.iterdir() if p.name.startswith(".table.txt."))


# --- point 10: audit filters fold as the language does, and say what they miss -----------
@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "registre.sqlite"
    assert run("eval", NDRC, COHORT, "--db", path, "--format", "csv").returncode == 0
    return path


def listed(store: Path, *filters: str) -> list[dict[str, object]]:
    result = run("audit", store, *filters, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("filters", "outcome", "count"),
    [
        (("--outcome", "ajourné"), "ajourne", 12),
        (("--outcome", "Admis"), "admis", 19),
        (("--outcome", "RATTRAPAGE"), "rattrapage", 7),
        (("--rule", "Rattrapage"), "rattrapage", 7),
        (("--id", "2026-ndrc-0001"), "admis", 1),
        (("--id", " 2026-NDRC-0001 ", "--outcome", "Admis"), "admis", 1),
    ],
)
def test_audit_filters_fold_case_and_accents(
    store: Path, filters: tuple[str, ...], outcome: str, count: int
) -> None:
    found = listed(store, *filters)
    assert len(found) == count
    assert {r["outcome"] for r in found} == {outcome}


@pytest.mark.parametrize(
    ("filters", "said"),
    [
        (
            ("--outcome", "reçu"),
            "aucune décision de résultat `reçu` dans le registre {store} ; "
            "résultats présents : admis, ajourne, rattrapage",
        ),
        (
            ("--rule", "ratrapage"),
            "aucune décision prise par une règle `ratrapage` dans le registre {store} ; "
            "règles présentes : absence, admission, rattrapage, sinon",
        ),
        (
            ("--id", "2026-NDRC-9999"),
            "aucune décision pour le candidat `2026-NDRC-9999` dans le registre {store}",
        ),
    ],
)
def test_audit_says_when_a_filter_matches_nothing_known(
    store: Path, filters: tuple[str, ...], said: str
) -> None:
    result = run("audit", store, *filters)
    assert result.returncode == 2
    assert result.stdout == ""
    assert " ".join(result.stderr.split()) == said.format(store=store)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ("audit", "registre.sqlite", "--batch", "deux"),
            "argument --batch : 'deux' n'est pas un nombre entier",
        ),
        (
            ("replay", "out.jsonl", "--seq", "1,5"),
            "argument --seq : '1,5' n'est pas un nombre entier",
        ),
    ],
)
def test_option_errors_of_audit_and_replay_speak_french(args: tuple[str, ...], said: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert said in result.stderr
    assert "invalid" not in result.stderr


def _locked(path: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process writing a batch (the file locked), for `seconds`, or until the
    test closes the process's standard input, whichever comes first."""
    holder = (
        "import select, sqlite3, sys; db = sqlite3.connect(sys.argv[1], isolation_level=None);"
        "db.execute('BEGIN EXCLUSIVE'); print('locked', flush=True);"
        "select.select([sys.stdin], [], [], float(sys.argv[2]));"
        "db.execute('ROLLBACK')"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", holder, str(path), str(seconds)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline() == "locked\n"
    return process


def test_audit_waits_for_a_batch_being_written(store: Path) -> None:
    holder = _locked(store, 1.5)
    try:
        result = run("audit", store, "--outcome", "admis", "--format", "json")
    finally:
        holder.wait(timeout=30)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 19


def test_readers_read_and_a_writer_says_the_store_is_busy_past_its_wait(
    store: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ndrc_rules import cli
    from ndrc_rules.audit import store as store_module

    monkeypatch.setenv(store_module.WAIT_VARIABLE, "0.2")
    holder = _locked(store, 120)  # held until the writer has given up, however slow the machine
    try:
        codes = [cli.main(["audit", str(store)]), cli.main(["audit", str(store), "--verify"])]
        appended = cli.main(["eval", str(NDRC), str(COHORT), "--db", str(store), "--format", "csv"])
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    said = " ".join(capsys.readouterr().err.split())
    assert codes == [0, 0] and appended == 2  # readers are not held up by a batch (WAL)
    assert f"le registre {store} est occupé par un autre lot" in said
    busy = f"le registre {store} est occupé : un autre `eval --db` y écrit un lot"
    assert said.count(busy) == 1
    assert "n'est pas un registre" not in said and "Traceback" not in said


# --- issue 12, point 2: outcomes styled by what the regulation makes them -----------------
# Outcomes named neither `admis` nor `ajourne`: `recu` is given by a rule (a pass),
# `refuse` by `sinon` (a failure). Styles come from that, never from the names.
RENAMED = """\
diplome T "Test"
resultat recu "Reçu"
resultat refuse "Refusé"
regime r "R"
  groupe pro "Pro"
    unite U4 "Quatre" coefficient 2
  chiffre moy "Moyenne" = moyenne de pro
  regle bien "Bien"
    si moy >= {bar} alors recu
  sinon refuse
"""
RENAMED_ROWS = "id;regime;U4\nc1;r;12\nc2;r;8\nc3;r;zz\nc4;r;11\n"
PASSED, FAILED, ERROR = "\x1b[1;32m", "\x1b[1;31m", "\x1b[31m"  # bold green, bold red, red


@pytest.fixture
def renamed(tmp_path: Path) -> tuple[Path, Path]:
    regulation, cohort = tmp_path / "renomme.reg", tmp_path / "renomme.csv"
    regulation.write_text(RENAMED.format(bar=10), "utf-8")
    cohort.write_text(RENAMED_ROWS, "utf-8")
    return regulation, cohort


def coloured(*args: str | Path, code: int = 0) -> str:
    """The command's standard output as a colour terminal receives it."""
    hidden = {"COLORTERM", "NO_COLOR"}
    env = {k: v for k, v in os.environ.items() if k not in hidden}
    result = run(*args, env={**env, "FORCE_COLOR": "1", "TERM": "xterm"})
    assert result.returncode == code, result.stderr
    return result.stdout


def test_eval_styles_outcomes_by_their_rules_not_their_names(
    renamed: tuple[Path, Path],
) -> None:
    shown = coloured("eval", *renamed, code=3)
    assert shown.count(f"{PASSED}Reçu") == 3 and shown.count(f"{FAILED}Refusé") == 2  # rows, counts
    assert (
        f"{ERROR}erreur C001 (U4)" in shown and f"{ERROR}erreur " in shown.split("Répartition")[1]
    )


@pytest.mark.parametrize("width", [160, 30])  # one line per candidate; the compact cells
def test_the_table_styles_outcomes_from_the_regulations_tones(
    renamed: tuple[Path, Path], width: int
) -> None:
    from io import StringIO

    from rich.console import Console

    import ndrc_rules
    from ndrc_rules.cli import evaluate
    from ndrc_rules.render.trace import Vocabulary

    regulation = ndrc_rules.load(renamed[0])
    results = regulation.decide_all(regulation.read(renamed[1]), trace=False)
    console = Console(file=StringIO(), width=width, force_terminal=True, color_system="standard")
    words = Vocabulary.of([regulation.program])
    for table in evaluate.decision_tables(results, ["moy"], "Décisions", console, words):
        console.print(table)
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert ("Bien (renomme.reg:8)" in shown) is (width == 160)  # else the compact cells
    assert shown.count(f"{PASSED}Reçu") == 2 and shown.count(f"{FAILED}Refusé") == 1


def test_explain_styles_the_decision_by_its_rule(renamed: tuple[Path, Path]) -> None:
    assert f"{PASSED}Décision : Reçu (recu)" in coloured("explain", *renamed, "--id", "c1")
    assert f"{FAILED}Décision : Refusé (refuse)" in coloured("explain", *renamed, "--id", "c2")


def test_a_failed_examples_trace_is_styled_by_its_rule(renamed: tuple[Path, Path]) -> None:
    example = '\nexemple haut "12 : refusé ?"\n  regime r\n  notes U4 12\n  attendu refuse\n'
    renamed[0].write_text(RENAMED.format(bar=10) + example, "utf-8")
    assert f"{PASSED}Décision : Reçu (recu)" in coloured("test", renamed[0], code=4)


def test_diff_styles_both_versions_outcomes(renamed: tuple[Path, Path]) -> None:
    stricter = renamed[0].with_name("plus_strict.reg")
    stricter.write_text(RENAMED.format(bar=12), "utf-8")
    shown = coloured("diff", renamed[0], stricter, renamed[1])
    assert f"{PASSED}Reçu" in shown and f"{FAILED}Refusé" in shown  # c4: recu → refuse


def test_audit_knows_no_regulation_and_shows_row_errors_red(
    renamed: tuple[Path, Path], tmp_path: Path
) -> None:
    db = tmp_path / "registre.db"
    assert run("eval", *renamed, "--db", db, "--format", "csv").returncode == 3
    for shown in (coloured("audit", db), coloured("audit", db, "--batch", "1")):
        assert f"{ERROR}erreur" in shown
        assert "\x1b[1mrecu" in shown and "\x1b[1mrefuse" in shown  # no tones without the file
