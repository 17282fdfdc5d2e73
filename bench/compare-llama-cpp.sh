#!/usr/bin/env bash
# Puts hunch's throughput beside llama.cpp's on the same GGUF files and thread count, in one run:
#
#   bench/compare-llama-cpp.sh [MODEL.gguf ...] [--threads T] [--repetitions N] [--interleave]
#
# For each model: llama-bench -p 512,16 -n 64 -t T -r N -o json, then hunch bench --json with the same tests, and a
# table of tokens/s (mean ± stddev) with the ratio hunch / llama.cpp. The machine's read bandwidth is measured by
# hunch bench --bandwidth (512-bit loads over 400 MB on T threads, best of 3 passes) just before each of hunch's tg64
# runs, and tg64 is shown as a share of the ceiling it implies: bandwidth / weight bytes read per decoded token (every
# layer matrix plus the output matrix; the token embedding row is left out). On a shared host the readings move by 2x
# within minutes, so hunch's share is also given run by run, each run against the reading just before it. Defaults: the three catalogue models under ~/.cache/hunch/models, 2 threads,
# 3 repetitions. Builds hunch in release mode if needed (or takes $HUNCH_BIN); llama.cpp comes from
# bench/build-llama-cpp.sh. --interleave runs the repetitions as N rounds of one llama-bench repetition followed by
# one hunch bench repetition, so both engines see the same moments of a drifting host, and prints the tg64 ratio of
# each round (the table then pools the rounds' samples).
# Not part of CI: the numbers depend on the machine and on whatever else it is running.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
threads=2
repetitions=3
interleave=0
models=()
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --repetitions) repetitions="$2"; shift 2 ;;
    --interleave) interleave=1; shift ;;
    -h|--help) sed -n 2,16p "$0"; exit 0 ;;
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
# One round: llama-bench then hunch bench, $2 repetitions each, into $work/NAME.{llama,hunch}.ROUND.json.
run_round() {
  local model="$1" reps="$2" round="$3" name
  name="$(basename "$model")"
  echo "== $name: llama-bench (round $round)" >&2
  LD_LIBRARY_PATH="$llama/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    "$llama/bin/llama-bench" -m "$model" -p 512,16 -n 64 -t "$threads" -r "$reps" -o json \
    > "$work/$name.llama.$round.json"
  echo "== $name: hunch bench (round $round)" >&2
  "$hunch" bench --model "$model" --threads "$threads" --repetitions "$reps" --prompt 512,16 --generate 64 \
    --bandwidth --json > "$work/$name.hunch.$round.json"
}
for model in "${models[@]}"; do
  if [ "$interleave" = 1 ]; then
    for round in $(seq "$repetitions"); do run_round "$model" 1 "$round"; done
  else
    run_round "$model" "$repetitions" 1
  fi
done
cut -d' ' -f1-3 /proc/loadavg > "$work/load.after"

python3 - "$work" "$threads" "${models[@]}" <<'EOF'
import glob, json, os, statistics, sys
work, threads, models = sys.argv[1], sys.argv[2], sys.argv[3:]

def rounds(name, engine):
    paths = glob.glob(os.path.join(work, f"{name}.{engine}.*.json"))
    return [json.load(open(p)) for p in sorted(paths, key=lambda p: int(p.rsplit(".", 2)[-2]))]

def pooled(results):
    """One result per test from several rounds' results: their samples together, mean and sample stddev."""
    samples = {}
    for r in results:
        samples.setdefault(r["test"], []).extend(r["samples_ts"])
    return {t: {"avg_ts": statistics.mean(v), "stddev_ts": statistics.stdev(v) if len(v) > 1 else 0.0,
                "samples_ts": v} for t, v in samples.items()}

def llama_test(r):
    return f"pp{r['n_prompt']}" if r["n_gen"] == 0 else f"tg{r['n_gen']}"

load = [open(os.path.join(work, f)).read().strip() for f in ("load.before", "load.after")]
print(f"threads: {threads}; load average (1, 5, 15 min) before: {load[0]}, after: {load[1]} "
      f"(other processes share the cores; numbers above ~{os.cpu_count()} mean contention)")
for model in models:
    name = os.path.basename(model)
    llama_rounds, hunch_rounds = rounds(name, "llama"), rounds(name, "hunch")
    reference = pooled([dict(r, test=llama_test(r)) for run in llama_rounds for r in run])
    ours = pooled([r for run in hunch_rounds for r in run["results"]])
    hunch = dict(hunch_rounds[0])
    if len(hunch_rounds) > 1:
        gbps = [g for run in hunch_rounds for g in run.get("read_gbps_samples", [])]
        shares = [run["tg_ceiling_share"] for run in hunch_rounds if "tg_ceiling_share" in run]
        hunch["read_gbps_samples"] = gbps
        if gbps:
            hunch["read_gbps"] = statistics.mean(gbps)
            hunch["tg_ceiling_ts"] = hunch["read_gbps"] * 1e9 / hunch["bytes_per_token"]
        if shares:
            hunch["tg_ceiling_share"] = statistics.mean(shares)
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
    if len(hunch_rounds) > 1 and "tg64" in ours and "tg64" in reference:
        paired = [h / l for h, l in zip(ours["tg64"]["samples_ts"], reference["tg64"]["samples_ts"])]
        print("tg64 ratio round by round: " + " ".join(f"{r:.2f}" for r in paired)
              + f" (median {statistics.median(paired):.2f})")
EOF
