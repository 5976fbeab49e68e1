"""JupyterLab, the way people read and run the notebooks, tried in a real browser.

A JupyterLab server on `nbs/` (a free loopback port, a fresh token, its own config, data, runtime and settings folders,
so nothing of the user's is read or written) is driven in headless Debian Chromium through Playwright: `nbs/01_inr.ipynb`
is run from the Run menu until the kernel is idle, no cell may show an error, and the SIREN figure must be an image
(screenshot in `data/lab-screenshots/`). Each experiment notebook opens with its how-to-run cell and its `parameters` cell
on the first screen. The server is stopped through its own process group, whatever the tests did."""
import json, os, re, secrets, signal, socket, subprocess, sys, time, urllib.request
from pathlib import Path
import pytest
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "data" / "lab-screenshots"
EXPERIMENTS = sorted(p.stem for p in (ROOT / "nbs" / "experiments").glob("*.ipynb"))
VIEWPORT = {"width": 1366, "height": 900}

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def _get(url: str, timeout: float = 5):
    return urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=timeout)

def _settings(cfg: Path):
    "Lab settings for a test: every cell in the page (no windowing), no news or update checks, no notifications."
    us = cfg / "lab" / "user-settings" / "@jupyterlab"
    for f, v in {"notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
                 "apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False,
                                                                         "doNotDisturbMode": True},
                 "docmanager-extension/plugin.jupyterlab-settings": {"autosave": False}}.items():   # never write to nbs/
        (us / f).parent.mkdir(parents=True, exist_ok=True)
        (us / f).write_text(json.dumps(v))

def _kernels_of(runtime: Path) -> list[int]:
    "Processes whose command line names this server's runtime folder: its kernels (`kernel-*.json` lives there)."
    proc = Path("/proc")
    if not proc.is_dir(): return []
    pids = []
    for d in proc.iterdir():
        if d.name.isdigit():
            try: cmd = (d / "cmdline").read_bytes()
            except OSError: continue
            if str(runtime).encode() in cmd: pids.append(int(d.name))
    return pids

@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    "(base URL, token) of a JupyterLab server on nbs/, stopped (its whole process group) after the module, failed or not."
    tmp = tmp_path_factory.mktemp("lab")
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp / "config"), "JUPYTER_DATA_DIR": str(tmp / "share"),
           "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"), "IPYTHONDIR": str(tmp / "ipython"), "MPLCONFIGDIR": str(tmp / "mpl"),
           "WSBOOK_DATA": str(tmp / "data")}
    _settings(tmp / "config")
    (tmp / "config" / "jupyter_server_config.json").write_text(json.dumps({   # nothing fetched from the internet
        "LabApp": {"news_url": None, "check_for_updates_class": "jupyterlab.NeverCheckForUpdate", "extension_manager": "readonly",
                   "expose_app_in_browser": True}}))
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT / 'nbs'}"]
    if os.geteuid() == 0: cmd.append("--allow-root")   # CI runs as root
    log = open(tmp / "server.log", "w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    before = {p: p.read_bytes() for p in (ROOT / "nbs").rglob("*.ipynb")}
    try:
        t0 = time.time()
        while True:
            if proc.poll() is not None: pytest.fail(f"jupyter lab exited ({proc.returncode}):\n{(tmp / 'server.log').read_text()[-3000:]}")
            try:
                if _get(f"{base}/api/status?token={token}").status == 200: break
            except OSError: pass
            if time.time() - t0 > 120: pytest.fail(f"jupyter lab did not answer in 120 s:\n{(tmp / 'server.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield base, token
    finally:
        try: os.killpg(proc.pid, signal.SIGTERM)       # the server shuts its kernels down on SIGTERM
        except ProcessLookupError: pass
        try: proc.wait(20)
        except subprocess.TimeoutExpired: pass
        try: os.killpg(proc.pid, signal.SIGKILL)       # and whatever of its group is left
        except ProcessLookupError: pass
        proc.wait()
        log.close()
        for pid in _kernels_of(tmp / "runtime"):       # kernels run in sessions of their own: any one left over
            try: os.kill(pid, signal.SIGKILL)
            except ProcessLookupError: pass
    changed = [str(p.relative_to(ROOT)) for p, b in before.items() if not p.exists() or p.read_bytes() != b]
    assert not changed, f"JupyterLab wrote to the checkout's notebooks: {changed}"

def test_lab_serves_the_notebooks(lab):
    base, token = lab
    with pytest.raises(urllib.error.HTTPError): _get(f"{base}/api/contents/01_inr.ipynb")      # no token, no notebooks
    names = {f["name"] for f in json.loads(_get(f"{base}/api/contents?token={token}").read())["content"]}
    assert {"01_inr.ipynb", "experiments"} <= names, names

_READY_JS = """kernel => {   // the notebook is loaded, its cells are on the page (and its kernel is idle)
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget, k = w && w.sessionContext && w.sessionContext.session
            && w.sessionContext.session.kernel;
  return !!(w && w.context && w.context.isReady && w.content.widgets.length && (!kernel || (k && k.status === 'idle')));
}"""

def _open(page, base, token, path, kernel=True):
    "Open notebook `path` (relative to nbs/) in Lab; the visible notebook panel once it is loaded and (`kernel`) its kernel idle."
    page.goto(f"{base}/lab/tree/{path}?reset&token={token}")   # reset: not the workspace of the page before
    page.wait_for_function(_READY_JS, arg=kernel, timeout=120_000)
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")

_MODEL_JS = """() => {   // the notebook as Lab's model holds it: per code cell its source, execution count, output types
  const nb = window.jupyterapp.shell.currentWidget.content.model, out = [];
  for (let i = 0; i < nb.cells.length; i++) {
    const c = nb.cells.get(i); if (c.type !== 'code') continue;
    const types = []; for (let j = 0; j < c.outputs.length; j++) types.push(c.outputs.get(j).type);
    out.push({source: c.sharedModel.getSource(), count: c.executionCount, outputs: types});
  }
  return out;
}"""

def test_inr_notebook_runs_in_lab(lab, browser):
    base, token = lab
    page = browser.new_page(viewport=VIEWPORT)
    try:
        panel = _open(page, base, token, "01_inr.ipynb")
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
        page.wait_for_function("""() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')]
                                        .some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))""", timeout=60_000)
        page.wait_for_function("""() => ![...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')]
                                        .some(x => x.textContent.includes('*'))""", timeout=300_000)
        page.wait_for_function(_READY_JS, arg=True, timeout=60_000)
        cells = page.evaluate(_MODEL_JS)
        errors = [c["source"][:200] for c in cells if "error" in c["outputs"]]
        assert not errors, f"cells with an error: {errors}"
        shown = panel.locator(".jp-OutputArea-output").all_inner_texts()
        assert not [t for t in shown if "Traceback (most recent call last)" in t], "an error is shown in the page"
        assert all(c["count"] for c in cells if c["source"].strip()), ("cells left unrun", [c["source"][:80] for c in cells if not c["count"]])
        fig_cells = [i for i, c in enumerate(cells) if re.search(r"siren", c["source"], re.I) and "display_data" in c["outputs"]]
        assert fig_cells, "no cell drew the SIREN figure"
        img = panel.locator(".jp-CodeCell").nth(fig_cells[0]).locator(".jp-RenderedImage img").first
        img.scroll_into_view_if_needed()
        assert img.evaluate("i => i.complete && i.naturalWidth > 100 && i.getBoundingClientRect().height > 30"), "the SIREN figure is not an image"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "01_inr.png"))
        assert (SHOTS / "01_inr.png").stat().st_size > 20_000
    finally: page.close()

@pytest.mark.parametrize("exp", EXPERIMENTS)
def test_experiment_notebook_opens_with_its_parameters(lab, browser, exp):
    "An experiment notebook opens with the cell that says how to run it and the `parameters` cell on the first screen."
    base, token = lab
    page = browser.new_page(viewport=VIEWPORT)
    try:
        panel = _open(page, base, token, f"experiments/{exp}.ipynb", kernel=False)
        how = panel.locator(".jp-MarkdownCell").first.locator(".jp-RenderedMarkdown")
        for s in ("Run All Cells", "papermill", f"wsbook reproduce --scale tiny --only {exp}"): expect(how).to_contain_text(s)
        params = panel.locator(".jp-CodeCell").first
        expect(params.locator(".jp-InputArea-editor")).to_contain_text(re.compile(r"^\s*scale = "))
        box = params.bounding_box()
        assert box and box["height"] > 40 and box["y"] + box["height"] <= VIEWPORT["height"], (exp, box)
        if exp == EXPERIMENTS[0]:
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"experiment-{exp}.png"))
        page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")   # one kernel at a time
    finally: page.close()
