# Everything wsbook needs on a fresh machine, installed by the project itself.
#   make reproduce   set up, then run the reproduction (`wsbook reproduce`, scale smoke by default)
#   make test        set up, then run every test (all notebooks through nbdev's runner + pytest)
#   make site        set up, then build the website from data/results (`wsbook site`; Quarto if installed)
#   make lab         set up, then start JupyterLab on nbs/ (localhost; open the URL it prints, with its token)
VENV   ?= .venv
PY     := $(VENV)/bin/python
SCALE  ?= smoke
# The CPU build that lies on these machines; on a GPU machine install your CUDA torch into $(VENV) first,
# `make` keeps a torch that is already there.
TORCH  ?= torch==2.13.0
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup test reproduce site lab fmnist browser export-check lint

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install -q "$(TORCH)"
	$(PY) -m pip install -q -e ".[dev,3d]"
	touch $@

# The paper's main benchmark, the full Fashion-MNIST, from Debian's dataset-fashion-mnist package.
fmnist:
	@if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then \
	  ($(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist) \
	  || echo "warning: could not install dataset-fashion-mnist; fmnist needs --root DIR with the idx files"; fi

setup: $(VENV)/.installed fmnist

# Headless Chromium for the browser tests (tests/test_site.py, tests/test_lab.py; Playwright drives it through
# executable_path): Debian's chromium, no browser download (`playwright install` would fetch one and fails offline).
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  ($(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) \
	  || echo "warning: could not install chromium; the browser test will be skipped"; fi

# wsbook/ must be exactly what nbdev-export makes of nbs/
export-check: setup
	$(VENV)/bin/nbdev-export
	@git diff --quiet -- wsbook || (echo "wsbook/ is out of sync with nbs/: run nbdev-export and commit"; git --no-pager diff --stat -- wsbook; exit 1)

test: setup export-check lint browser
	$(PY) -m pytest tests/ -q -rs --durations=15

reproduce: setup
	$(VENV)/bin/wsbook reproduce --scale $(SCALE)

site: setup
	$(VENV)/bin/wsbook site

# JupyterLab on the notebooks, for reading and running them: localhost only, the URL with its token printed; a browser
# is opened only where there is a display. Kernels started from it see the checkout's data/ ($$WSBOOK_DATA).
LAB_PORT ?= 8888
lab: setup
	WSBOOK_DATA="$${WSBOOK_DATA:-$(CURDIR)/data}" $(VENV)/bin/jupyter lab --notebook-dir=nbs --ServerApp.ip=127.0.0.1 \
	  --ServerApp.port=$(LAB_PORT) $(if $(DISPLAY)$(WAYLAND_DISPLAY),,--no-browser) $(if $(SUDO),,--allow-root)

# ruff: undefined names, unused imports and variables, in the package and the notebooks ([tool.ruff] in pyproject.toml)
lint: setup
	$(VENV)/bin/ruff check wsbook nbs tests scripts
