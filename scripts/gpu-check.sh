#!/usr/bin/env bash
# What the paper's scale costs on this GPU, measured in at most 8 minutes, without network (README "GPU").
#
#   scripts/gpu-check.sh [--out DIR] [--fmnist DIR] [--wheels DIR] [--python PY] [--limit-s S] [--no-install] [OPTIONS]
#   scripts/gpu-check.sh --prepare DIR      # on a machine with network: gather what a bare GPU machine lacks
#
# Needs a python where torch (the CUDA build) imports. wsbook's other run-time needs here are numpy, scipy,
# safetensors and tqdm: the missing ones are installed from --wheels DIR (default data/gpu-carry/wheels) with
# `pip --no-index`, into data/gpu-pylib. wsbook itself is installed with `pip install --no-deps -e .`
# (offline, no build isolation) or, where pip cannot, used from this tree. Fashion-MNIST's four idx files come
# from --fmnist DIR, else data/gpu-carry/fmnist, else /usr/share/datasets/fashion-mnist.
# OPTIONS go to `python -m wsbook.gpucheck`: --device D, --tiny, --objects N, --epochs E, --record NAME, ...
# Output: OUT/gpu-check.jsonl, one JSON object per line, the first the machine (default OUT: $OUT/gpu-check
# when $OUT is set, else data/gpu-check). A run cut at --limit-s (default 480) leaves gpu-check.jsonl.part.
# The fitted store (20,000 INRs x 1,185 float32 = 95 MB at the default sizes) goes to data/gpu-check-work, not OUT.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
py=${PYTHON:-python3}; out=""; fmnist=""; wheels=""; limit=480; install=1; prepare=""
need=${GPU_CHECK_NEEDS:-numpy scipy safetensors tqdm}
files="train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte"
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2;;
    --fmnist) fmnist=$2; shift 2;;
    --wheels) wheels=$2; shift 2;;
    --python) py=$2; shift 2;;
    --limit-s) limit=$2; shift 2;;
    --no-install) install=0; shift;;
    --prepare) prepare=$2; shift 2;;
    -h|--help) sed -n '2,15p' "$0"; exit 0;;
    --) shift; break;;
    *) break;;
  esac
done
say() { echo "gpu-check: $*" >&2; }

if [ -n "$prepare" ]; then    # what to carry to a bare GPU machine: Fashion-MNIST and the wheels it may lack
  src=${fmnist:-/usr/share/datasets/fashion-mnist}
  mkdir -p "$prepare/fmnist" "$prepare/wheels"
  for f in $files; do
    [ -f "$src/$f.gz" ] || { say "$src/$f.gz missing (Fashion-MNIST: apt-get install dataset-fashion-mnist, or --fmnist DIR)"; exit 2; }
    cp "$src/$f.gz" "$prepare/fmnist/"
  done
  "$py" -m pip download -q --no-deps --only-binary=:all: --python-version "${GPU_PYTHON:-3.12}" --implementation cp \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d "$prepare/wheels" ${GPU_WHEELS:-safetensors tqdm}
  say "prepared $(du -sh "$prepare" | cut -f1) in $prepare: $(ls "$prepare/wheels" | tr '\n' ' ')"
  exit 0
fi

"$py" -c 'import torch' 2>/dev/null || { say "torch does not import in $py: install torch (the CUDA build) first, or pass --python PY"; exit 3; }
missing() { "$py" - $need <<'EOF'
import importlib.util, sys
print(" ".join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))
EOF
}
miss=$(missing)
if [ -n "$miss" ] && [ "$install" = 1 ]; then
  wheels=${wheels:-$here/data/gpu-carry/wheels}
  if [ -d "$wheels" ]; then
    say "installing $miss from $wheels (no network) into $here/data/gpu-pylib"
    "$py" -m pip install -q --no-index --no-deps --find-links "$wheels" --target "$here/data/gpu-pylib" $miss >&2 || true
    export PYTHONPATH="$here/data/gpu-pylib${PYTHONPATH:+:$PYTHONPATH}"
    miss=$(missing)
  fi
fi
if [ -n "$miss" ]; then
  say "missing python packages: $miss. Carry their wheels for this python (run 'scripts/gpu-check.sh --prepare DIR'" \
      "on a machine with network) and pass --wheels DIR/wheels"
  exit 3
fi

if [ "$install" = 1 ]; then
  mkdir -p "$here/data"
  if "$py" -m pip install -q --no-deps --no-build-isolation --no-index -e "$here" >"$here/data/gpu-check-pip.log" 2>&1; then
    say "wsbook installed (pip install --no-deps -e .)"
  else
    say "pip could not install wsbook here (see data/gpu-check-pip.log); using it from $here"
    export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"
  fi
else export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"; fi

if [ -z "$fmnist" ]; then
  for d in "$here/data/gpu-carry/fmnist" /usr/share/datasets/fashion-mnist; do
    if [ -f "$d/train-images-idx3-ubyte.gz" ] || [ -f "$d/train-images-idx3-ubyte" ]; then fmnist=$d; break; fi
  done
fi
[ -n "$fmnist" ] || { say "Fashion-MNIST not found: pass --fmnist DIR with its four idx files ($files), or put them in data/gpu-carry/fmnist"; exit 3; }

out=${out:-${OUT:+$OUT/gpu-check}}; out=${out:-$here/data/gpu-check}
mkdir -p "$out"
"$py" -c 'import sys, torch; g = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"; print(f"gpu-check: python {sys.version.split()[0]}, torch {torch.__version__}, CUDA {torch.version.cuda}, GPU {g}", file=sys.stderr)'
say "Fashion-MNIST from $fmnist; writing $out/gpu-check.jsonl (at most ${limit}s)"
cd "$here"
set +e
timeout -k 15 "$limit" "$py" -m wsbook.gpucheck --out "$out" --work "$here/data/gpu-check-work" --fmnist "$fmnist" \
  --budget-s $((limit * 85 / 100)) "$@"
rc=$?
set -e
[ "$rc" = 124 ] && say "stopped after ${limit}s; the lines it finished are in $out/gpu-check.jsonl.part"
exit $rc
