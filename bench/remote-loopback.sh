#!/usr/bin/env bash
# Hunch's remote backends against a llama-server on loopback: per completion, the latency Hunch sees (engine total and
# time to the first piece), how many tokens the server generated (its own /metrics counter) against max_tokens, and
# how the request ended. Each case runs cold (the server's prompt cache erased first), again warm (the same request:
# the cache holds the whole prompt), and once more "uncut" on the native protocol: the stop rules still cut the text,
# but the stream is read to its end, which is what the server would generate (and the client wait for) without the
# early close. Cases come from bench/cases/*.jsonl.
#
#   bench/remote-loopback.sh [--cases N] [--threads T] [--port P] [--local]
#
# --local also runs Hunch's own engine on the same cases for comparison (a fresh process each time, so its own cache
# is cold on the warm run too). llama-server comes from bench/build-llama-cpp.sh. Not part of CI.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cases=12
threads=2
port=18181
local_too=0
while [ $# -gt 0 ]; do
  case "$1" in
    --cases) cases="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --local) local_too=1; shift ;;
    -h|--help) sed -n 2,10p "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
cache="${XDG_CACHE_HOME:-$HOME/.cache}/hunch"
server="${HUNCH_LLAMA_CPP_DIR:-$cache/llama.cpp-0.3.36}/bin/llama-server"
model="$cache/models/qwen2.5-coder-0.5b.gguf"
hunch="$root/.build/release/hunch"
[ -x "$server" ] || { echo "llama-server is not built: run bench/build-llama-cpp.sh" >&2; exit 1; }
[ -x "$hunch" ] || { echo "build hunch first: swift build -c release" >&2; exit 1; }
log="$(mktemp /tmp/llama-server-XXXX.log)"
slots="$(mktemp -d /tmp/llama-slots-XXXX)"
# --slot-save-path only enables the slot actions; the cold runs erase the slot's cache through them.
"$server" -m "$model" -t "$threads" -c 4096 -np 1 --metrics --slot-save-path "$slots/" --host 127.0.0.1 \
  --port "$port" >"$log" 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true' EXIT
exec 3>&1
python3 - "$hunch" "$port" "$cases" "$local_too" "$root/bench/cases" "$threads" <<'PY'
import glob, json, os, subprocess, sys, time, urllib.request
hunch, port, count, local_too, case_dir = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1", sys.argv[5]
threads = sys.argv[6]
url = "http://127.0.0.1:%d" % port

def get(path):
    try:
        with urllib.request.urlopen(url + path, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except Exception:
        return 0, ""

deadline = time.time() + 180
while get("/health")[0] != 200:
    if time.time() > deadline:
        sys.exit("llama-server did not start")
    time.sleep(0.2)

def erase_cache():
    request = urllib.request.Request(url + "/slots/0?action=erase", data=b"{}", method="POST")
    try:
        urllib.request.urlopen(request, timeout=10).read()
    except Exception as error:
        sys.exit("cannot erase the slot cache: %s" % error)

def predicted_total():
    for line in get("/metrics")[1].splitlines():
        if line.startswith("llamacpp:tokens_predicted_total "):
            return int(float(line.split()[-1]))
    return 0

# Alternate the sets and kinds so a small N still mixes languages and shapes.
sets = [[json.loads(l) for l in open(p)] for p in sorted(glob.glob(os.path.join(case_dir, "*.jsonl")))]
chosen = []
for i in range(count):
    pool = sets[i % len(sets)]
    chosen.append(pool[(i * 7) % len(pool)])

ext = {"python": "py", "swift": "swift", "javascript": "js"}
def run(case, backend, uncut=False):
    text = case["prefix"] + case["suffix"]
    line = case["prefix"].count("\n") + 1
    column = len(case["prefix"].split("\n")[-1]) + 1
    name = "case.%s:%d:%d" % (ext.get(case["language"], "txt"), line, column)
    args = [hunch, "complete", "--stdin", "--json", "--threads", threads, name]
    if backend != "local":
        args += ["--backend", backend, "--url", url, "--no-fallback", "--timeout-ms", "300000"]
    if uncut:
        args.append("--read-to-end-after-stop")
    before = predicted_total()
    started = time.time()
    out = subprocess.run(args, input=text.encode(), capture_output=True, timeout=300)
    wall = (time.time() - started) * 1000
    if out.returncode != 0:
        return {"error": out.stderr.decode()[-300:]}
    report = json.loads(out.stdout)
    remote = report.get("remote") or {}
    server_tokens = None
    if backend != "local":
        # A cancelled request is counted when the server releases its slot, which it does when its next token finds
        # the connection closed: wait for the counter to move, then for it to settle.
        deadline = time.time() + 30
        server_tokens = predicted_total() - before
        while server_tokens == 0 and time.time() < deadline:
            time.sleep(0.1)
            server_tokens = predicted_total() - before
    return {
        "total": report["totalMilliseconds"], "first": remote.get("firstPieceMilliseconds"), "wall": wall,
        "generated": report["generatedTokens"], "server": server_tokens, "max": remote.get("maxTokens"),
        "stop": report["stopReason"], "prompt": report["promptTokens"],
        "cached": remote.get("serverCachedPromptTokens") if backend != "local" else report["promptTokensReused"],
        "early": remote.get("closedEarly"),
    }

backends = ["llama-server", "openai"] + (["local"] if local_too else [])
rows = {b: [] for b in backends}
print("%-22s %-12s %-5s %8s %8s %7s %7s %5s %6s %-14s" % (
    "case", "backend", "run", "total ms", "1st ms", "prompt", "cached", "gen", "server", "stop"))
for case in chosen:
    for backend in backends:
        for run_name in ["cold", "warm"] + (["uncut"] if backend == "llama-server" else []):
            if run_name == "cold" and backend != "local":
                erase_cache()
            r = run(case, backend, uncut=run_name == "uncut")
            if "error" in r:
                print("%-22s %-12s %-5s error: %s" % (case["id"], backend, run_name, r["error"]))
                continue
            r["run"] = run_name
            rows[backend].append(r)
            print("%-22s %-12s %-5s %8.0f %8s %7d %7s %5d %6s %-14s" % (
                case["id"], backend, run_name, r["total"], "%.0f" % r["first"] if r["first"] else "-", r["prompt"],
                r["cached"] if r["cached"] is not None else "-", r["generated"], r["server"] if r["server"] is not None else "-", r["stop"]))
            sys.stdout.flush()

def median(values):
    values = sorted(values)
    return values[len(values) // 2] if values else float("nan")

print()
print("%-12s %-5s %10s %10s %12s %14s %12s" % ("backend", "run", "median ms", "mean ms", "server tokens", "max_tokens sum", "closed early"))
for backend in backends:
    for run_name in ["cold", "warm", "uncut"]:
        rs = [r for r in rows[backend] if r["run"] == run_name]
        if not rs:
            continue
        totals = [r["total"] for r in rs]
        server = sum(r["server"] or 0 for r in rs) if backend != "local" else sum(r["generated"] for r in rs)
        maximum = sum(r["max"] or 0 for r in rs)
        early = sum(1 for r in rs if r["early"])
        print("%-12s %-5s %10.0f %10.0f %12d %14s %9d/%d" % (
            backend, run_name, median(totals), sum(totals) / len(totals), server, maximum or "-", early, len(rs)))
PY
