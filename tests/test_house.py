"House rules that hold for the whole package."
import re
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "wsbook"

def test_no_private_import_across_modules():
    "No wsbook module imports another module's private (`_x`) name (`from wsbook.X import _y`, `from .X import _y`)."
    pat = re.compile(r"^\s*from\s+(?:wsbook)?\.?(\w+)\s+import\s+\(?([^#\n]*)", re.M)
    bad = []
    for f in sorted(PKG.glob("*.py")):
        if f.name == "_modidx.py": continue
        for mod, names in pat.findall(f.read_text()):
            if mod == f.stem: continue   # its own names (for a spawned process)
            bad += [f"{f.name}: from {mod} import {n.strip()}" for n in names.split(",") if n.strip().startswith("_")]
    assert not bad, "private names imported across modules:\n" + "\n".join(bad)
