"""The README's Python block runs, and what it states about the `paper` INR recipe is what the code does."""
import re, subprocess, sys
from pathlib import Path
import pytest
from wsbook.inr import RECIPES, Recipe

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

def python_blocks(text: str) -> list[str]:
    "The ```python blocks of a markdown text, in order."
    return re.findall(r"^```python[^\n]*\n(.*?)^```", text, flags=re.S | re.M)

def test_readme_python_block_runs(tmp_path):
    blocks = python_blocks(README.read_text())
    if not blocks: pytest.skip("README.md has no ```python block yet")
    script = tmp_path / "readme_block.py"
    script.write_text(blocks[0])
    # its own process and folder: what a reader who pastes it gets; the block keeps to tiny sizes
    r = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"README.md's first python block failed:\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}"

def recipe_statement_problems(statement: str, recipe: Recipe = RECIPES["paper"]) -> list[str]:
    "What a prose `statement` of `recipe` (init, omega_0, output offset, last layer, grid) says that the code does not."
    s, bad = " ".join(statement.split()), []
    omegas = re.findall(r"sqrt\(6\s*/\s*fan_in\)\s*/\s*(\d+(?:\.\d+)?)", s)
    for m in omegas + re.findall(r"omega_?0\s*(?:=|of)\s*(\d+(?:\.\d+)?)", s):
        if float(m) != recipe.omega0: bad.append(f"omega_0 {m}, the recipe's is {recipe.omega0:g}")
    offsets = re.findall(r"\+\s*`?(\d*\.\d+|\d+)`?\s*(?:output|to (?:its|the) output)", s)
    for m in offsets + re.findall(r"adds\s*`?(\d*\.\d+)`?", s):
        if float(m) != recipe.out_offset: bad.append(f"output offset {m}, the recipe's is {recipe.out_offset:g}")
    if recipe.last_init == "torch":
        every = re.search(r"\b(all|every) (sine )?layers?\b", s, flags=re.I)
        if every and not re.search(r"last layer", s, flags=re.I):
            bad.append("says every layer gets the sine init, but the last layer keeps torch.nn.Linear's init")
        elif re.search(r"sqrt\(6", s) and not re.search(r"nn\.Linear|last layer", s):
            bad.append("states the sine init without saying the last layer keeps torch.nn.Linear's init")
    for g in re.findall(r"`(xy|ij)`\s*(?:grid|meshgrid)", s):
        if g != recipe.grid: bad.append(f"grid {g}, the recipe's is {recipe.grid}")
    return bad

def recipe_statements(text: str, name: str = "paper") -> list[str]:
    "The paragraphs and list items of `text` that state how recipe `name` initialises its INRs."
    parts = re.split(r"\n\s*\n|\n(?=\s*[-*] )", text)
    return [p for p in parts if f"`{name}`" in p and re.search(r"sqrt\(6|omega|init", p)]

def test_recipe_checker_catches_the_wrong_sentence():
    wrong = ("The default `paper` recipe is the authors' INR (all layers `U(+-sqrt(6/fan_in)/30)`, zero biases, "
             "+0.5 output)")
    assert recipe_statement_problems(wrong) == [
        "says every layer gets the sine init, but the last layer keeps torch.nn.Linear's init"]
    right = ("The default `paper` recipe is the authors' INR (sine layers `U(+-sqrt(6/fan_in)/30)` with zero "
             "biases, the last layer torch.nn.Linear's default init, +0.5 output, numpy's `xy` grid)")
    assert recipe_statement_problems(right) == []
    assert recipe_statement_problems(right.replace("/30)", "/60)").replace("+0.5", "+1.0")) == [
        "omega_0 60, the recipe's is 30", "output offset 1.0, the recipe's is 0.5"]
    assert recipe_statement_problems(right.replace("`xy` grid", "`ij` grid")) == ["grid ij, the recipe's is xy"]

def test_readme_states_the_paper_recipe_as_the_code_has_it():
    found = recipe_statements(README.read_text())
    if not found: pytest.skip("README.md states no `paper` recipe init")
    problems = {p.strip()[:200]: recipe_statement_problems(p) for p in found}
    assert not any(problems.values()), problems
