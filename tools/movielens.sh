#!/usr/bin/env bash
# The recommendations' offline evaluation (examples/movielens.rs): fetches
# MovieLens-100K from PyPI (inside the recbole 1.2.1 wheel; never
# committed, kept in target/ml-100k) and replays it. Extra arguments go to
# the example (--every K: score every K-th view, default 5; --sweep).
# ML_YEAR=1 adds each movie's release year to its topics (a second table).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=target/ml-100k
if [ ! -f "$dir/ml-100k.inter" ]; then
  mkdir -p "$dir"
  pip download --quiet --no-deps recbole==1.2.1 -d "$dir" >&2
  python3 - "$dir" <<'PY'
import glob, sys, zipfile
d = sys.argv[1]
with zipfile.ZipFile(glob.glob(d + '/recbole-1.2.1-*.whl')[0]) as z:
    for n in ('ml-100k.inter', 'ml-100k.item'):
        open(f'{d}/{n}', 'wb').write(z.read(f'recbole/dataset_example/ml-100k/{n}'))
PY
fi
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--every 5)
cargo run --release --quiet --example movielens -- --data "$dir" "${args[@]}"
