"""The findings table (`wsbook findings`, nbs/09h_findings.ipynb): the README carries what the command prints, the
command reads the newest recorded run per scale, and its verdicts keep the rule (an interval that crosses zero never
holds; a censored data-equivalence factor is shown as the bound it is)."""
import contextlib, io, json, math, shutil
from pathlib import Path
import pytest
from wsbook.cli import main
from wsbook.findings import CLAIMS, README_END, README_START, findings, readme_block
from wsbook.records import runs_covering

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"


def run_cli(argv) -> tuple[int, str, str]:
    "`wsbook ARGV` in this process: (exit status, stdout, stderr)."
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(argv)
            code = 0
        except SystemExit as e: code = e.code
    return code, out.getvalue(), err.getvalue()


def test_readme_carries_the_table():
    block = readme_block(ROOT / "README.md")
    if block is None:
        pytest.skip(f"README.md has no findings markers yet ({README_START} ... {README_END}); add them, "
                    "then run `wsbook findings --readme README.md --write`")
    code, printed, err = run_cli(["findings", "--results", str(RESULTS), "--readme", str(ROOT / "README.md")])
    assert code == 0 and block == printed.strip("\n"), f"README.md's findings table is stale: {err}"


def test_runs_covering_the_real_results():
    for exp in ("mixup", "contrastive"):
        smoke = runs_covering(exp, RESULTS, scale="smoke")
        assert len(smoke) >= 6, (exp, [r["name"] for r in smoke])
        assert all(r["experiment"] == "reproduce" for r in smoke)
        assert [r["date"] for r in smoke] == sorted((r["date"] for r in smoke), reverse=True)
    assert {r["scale"] for r in runs_covering("scaling", RESULTS)} >= {"smoke", "medium"}


def test_real_table_keeps_the_rule():
    rows = findings(RESULTS)
    assert [r["claim"] for r in rows] == [c.key for c in CLAIMS]
    sign = {c.key: c.sign for c in CLAIMS}
    for r in rows:
        for scale, cell in r["cells"].items():
            if "verdict" not in cell: continue
            lo, hi = sorted((sign[r["claim"]] * cell["lo"], sign[r["claim"]] * cell["hi"]))
            if math.isnan(lo) or lo <= 0:     # the interval reaches zero: never "holds", in direction or in full
                assert not cell["verdict"].startswith(("holds", "direction holds")), (r["claim"], scale)
    head = {r["claim"]: r for r in rows}["headline"]["cells"]
    med = head["medium"]
    if med.get("run") == "medium-reproduce":      # the recorded run of issue 26: its curve stops at 3.1x
        assert med["note"].startswith("worth >3.1x data") and med["factor"]["censored"] == ">"
        assert med["verdict"] == "direction holds, size undecided at these sizes"
    if not runs_covering("scaling", RESULTS, scale="large"): assert head["large"] == {"text": "not run yet"}


def _copy_run(src: str, dest: Path, name: str, **changes) -> Path:
    "A real recorded run copied into `dest` under another name, with `changes` (e.g. scale, date)."
    doc = json.loads((RESULTS / f"{src}.json").read_text()) | {"name": name, **changes}
    (dest / f"{name}.json").write_text(json.dumps(doc))
    return dest / f"{name}.json"


def test_cli_newest_run_per_scale_readme_and_json(tmp_path):
    recs = tmp_path / "results"
    recs.mkdir()
    _copy_run("smoke-reproduce", recs, "old-smoke")
    _copy_run("smoke-three-arm-contrastive", recs, "new-smoke")
    code, md, _ = run_cli(["findings", "--results", str(recs), "--user", str(tmp_path / "none")])
    assert code == 0 and "`new-smoke`:" in md and "`old-smoke`" not in md
    assert md.splitlines()[0] == "| claim (the paper's words) | source | `smoke` | `medium` | `large` | verdict |"
    assert "*not run yet*" in md.split("MixUp gives up to +18 points")[1].splitlines()[0]   # no large (or medium) run

    # a large run (a copy of the medium one relabelled): the headline's large cell reads it, and the verdict too
    _copy_run("medium-reproduce", recs, "large-test", scale="large", date="2030-01-01T00:00:00Z")
    code, out, _ = run_cli(["findings", "--results", str(recs), "--format", "json", "--user", str(tmp_path / "none")])
    rows = {r["claim"]: r for r in json.loads(out)}
    assert rows["headline"]["cells"]["large"]["run"] == "large-test"
    assert rows["headline"]["verdict"]["scale"] == "large"
    assert rows["views"]["verdict"]["scale"] == "large" and rows["contrastive"]["verdict"]["scale"] == "smoke"

    # the README: no markers is an error naming the file; then check (exit 1), write, check again (exit 0)
    readme = tmp_path / "README.md"
    readme.write_text("# x\n\nbefore\n")
    code, _, err = run_cli(["findings", "--results", str(recs), "--readme", str(readme)])
    assert code == 2 and "README.md: no findings markers" in err
    readme.write_text(f"# x\n\nbefore\n\n{README_START}\nstale\n{README_END}\n\nafter\n")
    code, printed, err = run_cli(["findings", "--results", str(recs), "--readme", str(readme)])
    assert code == 1 and "differs" in err
    code, _, err = run_cli(["findings", "--results", str(recs), "--readme", str(readme), "--write"])
    assert code == 0 and "rewritten" in err
    assert readme_block(readme) == printed.strip("\n") and readme.read_text().endswith(f"{README_END}\n\nafter\n")
    code, _, err = run_cli(["findings", "--results", str(recs), "--readme", str(readme)])
    assert code == 0 and err == ""


def test_cli_your_run_is_a_column(tmp_path):
    recs = tmp_path / "results"
    recs.mkdir()
    _copy_run("smoke-three-arm-contrastive", recs, "new-smoke")
    user = tmp_path / "data-results"
    run = json.loads((RESULTS / "smoke-three-arm-contrastive.json").read_text())
    for exp, res in run["results"]["experiments"].items():
        (user / exp).mkdir(parents=True)
        (user / exp / "results.json").write_text(json.dumps({"summary": {}, "results": res}))
    (user / "run.json").write_text(json.dumps({"scale": "smoke", "finished": "2026-12-05 10:00:00"}))
    code, md, _ = run_cli(["findings", "--results", str(recs), "--user", str(user)])
    assert code == 0 and "| your run | verdict |" in md.splitlines()[0] and "`your run (data-results/)`" in md
    code, _, err = run_cli(["findings", "--results", str(recs), "--user", str(user), "--readme", "README.md"])
    assert code == 2 and "--user with --readme" in err
    shutil.rmtree(user)
