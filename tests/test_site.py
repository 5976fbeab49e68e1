"""The website, checked in a real browser.

Builds the site (`wsbook.website.build_site`, what `wsbook site` runs) from a `wsbook reproduce --scale tiny` run
(the session fixture `tiny_reproduction`, shared with tests/test_reproduce.py) and opens every page in headless
Debian Chromium through Playwright (pytest-playwright's `browser`, launched as `wsbook site --check` launches it):
no missing image, no broken internal link, the summary table with a row per experiment, and nothing a reader should
not see - no list repr of stream output, no progress-bar redraw, no warning block; each Results page shows its
figures and its paper-vs-ours table, its code folded. Screenshots of the home page and of one results page go to
`data/site-screenshots/` for people to look at.

The site is built with a temporary recorded-runs folder (`records`: two runs written by `record_run`, one of an
experiment with a page, one of none) so the Recorded runs page and the labelled sections are checked against
known files, not against whatever the checkout's `results/` holds."""
import html, json, re
from pathlib import Path
import pytest
from wsbook.records import load_run, record_run
from wsbook.browser import check_site, reader_problems
from wsbook.pages import experiments_in
from wsbook.website import PREVIEW_LABEL, build_site, mixed_import_cells

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "data" / "site-screenshots"

def test_no_mixed_import_cells():
    "nbdev runs whole every cell that imports while processing docs: imports stay in their own cells (platform.md)."
    bad = {nb.name: mixed_import_cells(nb) for nb in sorted((ROOT / "nbs").glob("*.ipynb"))}
    assert not {k: v for k, v in bad.items() if v}, f"cells mixing imports and code (split them): {bad}"

def _text(p: Path) -> str: return html.unescape(re.sub(r"<[^>]+>", "", p.read_text()))

@pytest.fixture(scope="module")
def records(tmp_path_factory, tiny_reproduction):
    "Two recorded runs: one of the first experiment of the tiny run (it has a page), one of an experiment with none."
    d, exp = tmp_path_factory.mktemp("records"), experiments_in(tiny_reproduction / "results")[0]
    record_run("rec-match", exp, "medium", {"steps": 800, "seeds": [0, 1, 2]}, {"acc": [60.5]}, 3600.0, root=d,
               machine={"device": "cuda", "gpu": "NVIDIA H200", "cpu": "AMD EPYC", "cpus": 16}, commit="a1b2c3d4e5" * 4)
    record_run("rec-other", "no-page-here", "smoke", {"steps": 320}, {"peak": 320}, 81.0, root=d,
               machine={"device": "cpu", "cpu": "AMD EPYC", "cpus": 2}, commit="f0e1d2c3b4" * 4)
    return d, exp

@pytest.fixture(scope="module")
def site(tmp_path_factory, tiny_reproduction, records):
    tmp = tmp_path_factory.mktemp("site")
    results, origin = tiny_reproduction / "results", "wsbook reproduce --scale tiny"
    out = build_site(results=results, out=tmp / "site", root=ROOT, execute=False, records=records[0])
    info = json.loads((out / "build.json").read_text())
    print(f"site from {origin}: {info['mode']}, {len(info['pages'])} pages, {info['seconds']} s")
    return out, results, info

@pytest.fixture(scope="module")
def report(site, browser):
    out, results, info = site
    exps = info["experiments"]
    shots = {"index.html": SHOTS / "home.png", f"results/{exps[0]}/{exps[0]}.html": SHOTS / f"results-{exps[0]}.png"}
    return check_site(out, shots=shots, browser=browser)

def test_pages(site):
    out, results, info = site
    rows = json.loads((results / "summary.json").read_text())
    assert info["experiments"] and set(info["experiments"]) <= {r["experiment"] for r in rows}
    for e in info["experiments"]: assert f"results/{e}/{e}.html" in info["pages"]
    assert "index.html" in info["pages"] and len(info["pages"]) > 10, "home + Method + Results"

def test_home_page(site, report):
    out, results, info = site
    home = report["index.html"]
    rows = json.loads((results / "summary.json").read_text())
    assert home["summary_rows"] == len(rows), "the summary table has a row per experiment"
    assert home["images"] >= 1 and home["broken_images"] == [], home
    html = (out / "index.html").read_text()
    for e in info["experiments"]: assert f'href="results/{e}/{e}.html"' in html, f"summary links to the {e} page"
    assert (SHOTS / "home.png").stat().st_size > 10_000

def test_results_pages(site, report):
    out, results, info = site
    for e in info["experiments"]:
        r = report[f"results/{e}/{e}.html"]
        assert r["images"] >= 1 and r["broken_images"] == [], (e, r)
        page = (out / "results" / e / f"{e}.html").read_text()
        assert "Run with" in page and "Parameters" in page, "the run's facts and parameters are on the page"
    assert any(SHOTS.glob("results-*.png"))

def test_every_page_loads_with_images_and_links(site, report):
    out, results, info = site
    assert set(report) == set(info["pages"])
    problems = {p: (r["broken_images"], r["broken_links"]) for p, r in report.items() if r["broken_images"] or r["broken_links"]}
    assert not problems, problems
    if info["mode"] == "offline-preview": assert all(r["preview_label"] and PREVIEW_LABEL in r["title"] for r in report.values())

def test_pages_show_nothing_a_reader_should_not_see(report):
    "No page shows a list repr of stream output, a progress-bar redraw or a warning block."
    problems = {p: reader_problems(r) for p, r in report.items() if reader_problems(r)}
    assert not problems, problems

def test_results_pages_as_a_reader_sees_them(site, report):
    "Each Results page: its figures and its paper-vs-ours table, the code folded, only the parameters it ran with."
    out, results, info = site
    for e in info["experiments"]:
        r = report[f"results/{e}/{e}.html"]
        figs = json.loads((results / e / "figures.json").read_text()) if (results / e / "figures.json").exists() else {}
        assert r["images"] >= max(1, len(figs)) and not r["broken_images"], (e, r["images"], figs)
        assert r["paper_rows"] >= 1, f"{e}: no paper-vs-ours table"
        assert r["code_cells"] > 0 and r["unfolded_code"] == 0, (e, r["code_cells"], r["unfolded_code"])
        text = html.unescape(re.sub(r"<[^>]+>", "", (out / "results" / e / f"{e}.html").read_text()))
        assert 'scale = "tiny"' in text and 'scale = "smoke"' not in text, f"{e}: the default parameters cell is shown"


def test_executed_notebooks_are_clean_where_they_are_made(site):
    "`wsbook reproduce` leaves notebooks as a reader should see them: stream text as text, bars at their final state, no tqdm warning."
    out, results, info = site
    for e in info["experiments"]:
        nb = json.loads((results / e / f"{e}.ipynb").read_text())
        streams = [o for c in nb["cells"] for o in c.get("outputs", []) if o["output_type"] == "stream"]
        assert all(isinstance(o["text"], str) and "\r" not in o["text"] and "TqdmWarning" not in o["text"] for o in streams), (e, streams)
        assert not [o for c in nb["cells"] for o in c.get("outputs", []) if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]


def test_recorded_runs_page(site, records):
    "The Recorded runs page lists every recorded run with its commit, date and machine, and links to its JSON, copied into the site."
    out, results, info = site
    page = "results/recorded-runs/recorded-runs.html"
    assert page in info["pages"]
    text = _text(out / page)
    for p in sorted(records[0].glob("*.json")):
        r = load_run(p)
        assert r["name"] in text and r["commit"][:7] in text and r["date"][:19].replace("T", " ") in text, (r["name"], text[:2000])
        assert (out / "results" / "recorded-runs" / p.name).read_bytes() == p.read_bytes()
        assert f'href="{p.name}"' in (out / page).read_text()
    assert "NVIDIA H200" in text and "60.0 min" in text and "81 s" in text
    assert 'href="results/recorded-runs/recorded-runs.html"' in (out / "index.html").read_text(), "the page is in the navigation"

def test_recorded_runs_on_experiment_pages(site, records):
    "Only the page of the run's experiment has the section, the run labelled as recorded; other pages have none."
    out, results, info = site
    d, exp = records
    for e in info["experiments"]:
        text = _text(out / "results" / e / f"{e}.html")
        assert "Your run" in text and "rec-other" not in text
        if e == exp:
            sec = text.split("Recorded runs of this experiment", 1)[1]
            assert "Recorded run rec-match (not your run)" in sec and "scale medium" in sec and "a1b2c3d" in sec
        else: assert "Recorded runs of this experiment" not in text and "rec-match" not in text

def test_home_page_says_whose_rows(site):
    "The home table is captioned as the reader's own run, from the results folder's summary.json."
    out, results, info = site
    text = _text(out / "index.html")
    assert "Your run: the rows below come from" in text and f"{results}/summary.json" in text
    assert "see Recorded runs" in text

def test_malformed_recorded_run_stops_the_build(tmp_path, tiny_reproduction, records):
    "A file in the recorded-runs folder that is not a recorded run: the build fails naming it (before touching any page)."
    bad = tmp_path / "records"
    bad.mkdir()
    for p in records[0].glob("*.json"): (bad / p.name).write_bytes(p.read_bytes())
    (bad / "half-written.json").write_text('{"format": "wsbook-recorded-run", "format_version": 1, "name": "half-written"}')
    with pytest.raises(ValueError, match=r"half-written\.json: field 'experiment' is missing"):
        build_site(results=tiny_reproduction / "results", out=tmp_path / "site", root=ROOT, execute=False, records=bad)
