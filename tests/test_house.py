"House rules that hold for the whole package."
import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "wsbook"

def test_no_private_import_across_modules():
    "No wsbook module imports another module's private (`_x`) name (`from wsbook.X import _y`, `from .X import _y`)."
    bad = []
    for f in sorted(PKG.glob("*.py")):
        if f.name == "_modidx.py": continue
        for node in ast.walk(ast.parse(f.read_text())):     # every line of a parenthesised import too
            if not isinstance(node, ast.ImportFrom) or not node.module: continue
            mod = node.module.split(".")[-1]
            if (node.level == 0 and not node.module.startswith("wsbook")) or mod == f.stem: continue   # another package; its own names
            bad += [f"{f.name}: from {node.module} import {a.name}" for a in node.names if a.name.startswith("_")]
    assert not bad, "private names imported across modules:\n" + "\n".join(bad)
