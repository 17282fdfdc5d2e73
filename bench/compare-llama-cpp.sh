#!/usr/bin/env bash
# Puts hunch's throughput beside llama.cpp's on the same GGUF files and thread count, in one run:
#
#   bench/compare-llama-cpp.sh [MODEL.gguf ...] [--threads T] [--repetitions N]
#
# For each model: llama-bench -p 512,16 -n 64 -t T -r N -o json, then hunch bench --json with the same tests, and a
# table of tokens/s (mean ± stddev) with the ratio hunch / llama.cpp. The machine's read bandwidth is measured by
# hunch bench --bandwidth (512-bit loads over 400 MB on T threads, best of 3 passes) just before each of hunch's tg64
# runs, and tg64 is shown as a share of the ceiling it implies: bandwidth / weight bytes read per decoded token (every
# layer matrix plus the output matrix; the token embedding row is left out). On a shared host the readings move by 2x
# within minutes, so hunch's share is also given run by run, each run against the reading just before it. Defaults: the three catalogue models under ~/.cache/hunch/models, 2 threads,
# 3 repetitions. Builds hunch in release mode if needed (or takes $HUNCH_BIN); llama.cpp comes from
# bench/build-llama-cpp.sh.
# Not part of CI: the numbers depend on the machine and on whatever else it is running.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
threads=2
repetitions=3
models=()
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --repetitions) repetitions="$2"; shift 2 ;;
    -h|--help) sed -n 2,13p "$0"; exit 0 ;;
    *) models+=("$1"); shift ;;
  esac
done
if [ ${#models[@]} -eq 0 ]; then
  for name in qwen2.5-coder-0.5b qwen2.5-coder-1.5b smollm2-135m; do
    file="$HOME/.cache/hunch/models/$name.gguf"
    [ -f "$file" ] && models+=("$file")
  done
fi
[ ${#models[@]} -gt 0 ] || { echo "no models given or found" >&2; exit 1; }

llama="$("$here/build-llama-cpp.sh")"
# HUNCH_BIN names an already built binary (e.g. the test build's), which saves a rebuild with other flags.
if [ -n "${HUNCH_BIN:-}" ]; then
  hunch="$HUNCH_BIN"
else
  (cd "$repo" && swift build -c release --product hunch >&2)
  hunch="$repo/.build/release/hunch"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cut -d' ' -f1-3 /proc/loadavg > "$work/load.before"
for model in "${models[@]}"; do
  name="$(basename "$model")"
  echo "== $name: llama-bench" >&2
  LD_LIBRARY_PATH="$llama/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    "$llama/bin/llama-bench" -m "$model" -p 512,16 -n 64 -t "$threads" -r "$repetitions" -o json \
    > "$work/$name.llama.json"
  echo "== $name: hunch bench" >&2
  "$hunch" bench --model "$model" --threads "$threads" --repetitions "$repetitions" --prompt 512,16 --generate 64 \
    --bandwidth --json > "$work/$name.hunch.json"
done
cut -d' ' -f1-3 /proc/loadavg > "$work/load.after"

python3 - "$work" "$threads" "${models[@]}" <<'EOF'
import json, os, sys
work, threads, models = sys.argv[1], sys.argv[2], sys.argv[3:]
load = [open(os.path.join(work, f)).read().strip() for f in ("load.before", "load.after")]
print(f"threads: {threads}; load average (1, 5, 15 min) before: {load[0]}, after: {load[1]} "
      f"(other processes share the cores; numbers above ~{os.cpu_count()} mean contention)")
for model in models:
    name = os.path.basename(model)
    llama = json.load(open(os.path.join(work, name + ".llama.json")))
    hunch = json.load(open(os.path.join(work, name + ".hunch.json")))
    def llama_test(r):
        return f"pp{r['n_prompt']}" if r["n_gen"] == 0 else f"tg{r['n_gen']}"
    reference = {llama_test(r): r for r in llama}
    ours = {r["test"]: r for r in hunch["results"]}
    print()
    print(f"{name} ({hunch['model_bytes'] / 2**20:.0f} MiB, kernels {hunch['kernel_level']}; "
          f"{hunch['bytes_per_token'] / 2**20:.1f} MiB of weights read per decoded token)")
    print(f"| test  | {'llama.cpp t/s':>17} | {'hunch t/s':>17} | hunch/llama.cpp |")
    print(f"| ----- | {'-' * 16}: | {'-' * 16}: | --------------: |")
    for test in ("pp512", "pp16", "tg64"):
        a, b = reference.get(test), ours.get(test)
        if a is None or b is None:
            continue
        ratio = b["avg_ts"] / a["avg_ts"]
        print(f"| {test:5} | {a['avg_ts']:9.2f} ± {a['stddev_ts']:5.2f} | {b['avg_ts']:9.2f} ± {b['stddev_ts']:5.2f} "
              f"| {ratio:15.2f} |")
    if "read_gbps" in hunch and "tg64" in ours:
        ceiling = hunch["tg_ceiling_ts"]
        samples = " ".join(f"{g:.0f}" for g in hunch.get("read_gbps_samples", []))
        line = (f"read bandwidth {hunch['read_gbps']:.1f} GB/s (readings {samples}) -> tg ceiling {ceiling:.1f} t/s; "
                f"hunch tg64 at {100 * ours['tg64']['avg_ts'] / ceiling:.0f}% of it")
        if "tg_ceiling_share" in hunch:
            line += f" ({100 * hunch['tg_ceiling_share']:.0f}% run by run)"
        if "tg64" in reference:
            line += f", llama.cpp at {100 * reference['tg64']['avg_ts'] / ceiling:.0f}%"
        print(line)
EOF
