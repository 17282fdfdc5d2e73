#!/usr/bin/env bash
# Soak test of the language server with the real model: 10,000 editor messages (opens, edits, inline and popup
# completions, cancellations, closes) from a scripted client. Checks that every request got exactly one answer,
# that resident memory grew by less than 20 MB between the first and the last thousand messages, and that the
# server still answers at the end (a status and a real completion after the last message, then a clean exit).
# It refuses to run without the model: a server with no model answers everything at once and proves nothing.
# Messages are paced (HUNCH_SOAK_INTERVAL_MS, default 20). Figures: docs/reliability.md.
# Usage: bench/soak.sh [HUNCH_BINARY] [MESSAGES] [MODEL]   (MODEL: a pulled name or a path; default
# qwen2.5-coder-0.5b, the server's default model)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
binary="${1:-$root/.build/release/hunch}"
messages="${2:-10000}"
model="${3:-qwen2.5-coder-0.5b}"
exec python3 - "$binary" "$messages" "$root/bench/typing-replay" "$model" <<'PY'
import os, random, sys, time
binary, total, replay_dir, model = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
sys.path.insert(0, replay_dir)
from run import LspClient, ReplayError

def rss_kb(pid):
    with open("/proc/%d/status" % pid) as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

random.seed(7)
interval = int(os.environ.get("HUNCH_SOAK_INTERVAL_MS", "20")) / 1000
client = LspClient([binary, "serve", "--stdio", "--debounce-ms", "20", "--model", model], "/tmp/hunch-soak-server.log")
client.call("initialize", {"processId": os.getpid(), "capabilities": {"general": {"positionEncodings": ["utf-32"]}},
                           "initializationOptions": {"debounceMilliseconds": 20}}, timeout=120)
client.notify("initialized", {})
# Load the model first, so that the memory marks compare a loaded server with a loaded server.
client.notify("textDocument/didOpen", {"textDocument": {"uri": "file:///soak/warm.py", "languageId": "python",
                                                        "version": 1, "text": "def answer():\n    return "}})
warm_id, _ = client.request("textDocument/inlineCompletion", {"textDocument": {"uri": "file:///soak/warm.py"},
                                                               "position": {"line": 1, "character": 11}})
warm = client.wait(warm_id, 900)
if warm is None:
    sys.exit("soak: the warm-up completion got no answer")
provider = client.call("workspace/executeCommand", {"command": "hunch.status"}).get("provider")
if provider != "EngineCompletionProvider" or not (warm[1].get("result") or {}).get("items"):
    sys.exit("soak: the server has no working model (%s, warm-up answer %s); see /tmp/hunch-soak-server.log" % (
        provider, warm[1]))
print("model %s: warm-up suggestion %r" % (model, warm[1]["result"]["items"][0]["insertText"]), flush=True)
kinds = {}
client.notify("textDocument/didClose", {"textDocument": {"uri": "file:///soak/warm.py"}})
base = "def total(values):\n    result = 0\n    for value in values:\n        result += value\n    return result\n\n"
documents = {}  # uri -> [version, text] of open documents
requests = []   # ids of every request sent
rss_marks = []
started = time.monotonic()
for step in range(total):
    uri = "file:///soak/module%d.py" % random.randrange(5)
    if uri not in documents:
        kinds["didOpen"] = kinds.get("didOpen", 0) + 1
        documents[uri] = [1, base]
        client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                                "text": base}})
    else:
        roll = random.random()
        version, text = documents[uri]
        line = text.count("\n")
        kind = ("didClose" if roll < 0.02 else "didChange" if roll < 0.50 else "inlineCompletion" if roll < 0.75
                else "completion" if roll < 0.92 else "cancelRequest" if requests else "none")
        kinds[kind] = kinds.get(kind, 0) + 1
        if roll < 0.02:
            client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
            del documents[uri]
        elif roll < 0.50:
            key = random.choice("abcdefghij ()=+.\n") if len(text) < 4000 else None
            if key is None:  # keep documents small: start again from the base text
                change = {"text": base}
                documents[uri] = [version + 1, base]
            else:
                change = {"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}},
                          "text": key}
                documents[uri] = [version + 1, text + key]
            client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version + 1},
                                                     "contentChanges": [change]})
        elif roll < 0.92:
            last = text.rsplit("\n", 1)[-1]
            method = "textDocument/inlineCompletion" if roll < 0.75 else "textDocument/completion"
            request_id, _ = client.request(method, {"textDocument": {"uri": uri},
                                                    "position": {"line": line, "character": len(last)}})
            requests.append(request_id)
        elif requests:
            client.notify("$/cancelRequest", {"id": random.choice(requests[-20:])})
    # Paced like a fast typist (HUNCH_SOAK_INTERVAL_MS, default 20 ms a message), so the model works all through
    # the run and the memory marks see a busy server, not a queue filled in a second.
    time.sleep(interval)
    if (step + 1) % 1000 == 0:
        status_id, _ = client.request("workspace/executeCommand", {"command": "hunch.status"})
        requests.append(status_id)
        if client.wait(status_id, 600) is None:
            sys.exit("soak: no status answer after %d messages" % (step + 1))
        rss_marks.append(rss_kb(client.process.pid))
        print("%5d messages, %4d requests, RSS %d MB, %.0f s" % (step + 1, len(requests), rss_marks[-1] >> 10,
                                                                 time.monotonic() - started), flush=True)
sent_all = time.monotonic()
deadline = time.monotonic() + 900
while time.monotonic() < deadline and any(r not in client.responses for r in requests):
    time.sleep(0.5)
drained = time.monotonic()
unanswered = sum(r not in client.responses for r in requests)
errors = sum("error" in client.responses[r][1] for r in requests if r in client.responses)
codes = sorted({client.responses[r][1]["error"]["code"] for r in requests
                if r in client.responses and "error" in client.responses[r][1]})
# Still answering at the end: a status, and a completion on a fresh document that the model has to produce.
status = client.call("workspace/executeCommand", {"command": "hunch.status"}, timeout=60)
client.notify("textDocument/didOpen", {"textDocument": {"uri": "file:///soak/final.py", "languageId": "python",
                                                        "version": 1, "text": "def square(x):\n    return "}})
final_id, _ = client.request("textDocument/inlineCompletion", {"textDocument": {"uri": "file:///soak/final.py"},
                                                                "position": {"line": 1, "character": 11}})
final = client.wait(final_id, 900)
final_items = (final[1].get("result") or {}).get("items") if final else None
growth_mb = (rss_marks[-1] - rss_marks[0]) / 1024 if rss_marks else 0
print("messages %d: %s" % (total, ", ".join("%s %d" % item for item in sorted(kinds.items()))))
print("requests %d (completions and status): unanswered %d, answered more than once %d, malformed %d, "
      "answered with an error %d (codes %s: cancelled)" % (len(requests), unanswered, client.duplicates,
                                                           client.malformed, errors, codes))
print("server counters: %s" % {k: status.get(k) for k in ("completionRequests", "providerCalls", "answeredFromCache",
                                                          "superseded", "cancelled", "inFlight")})
print("RSS at 1,000 messages %d MB, at %d messages %d MB: growth %.1f MB" % (
    rss_marks[0] >> 10, total, rss_marks[-1] >> 10, growth_mb))
print("sending took %.0f s, draining the last answers %.0f s" % (sent_all - started, drained - sent_all))
print("final completion: %s" % (repr(final_items[0]["insertText"]) if final_items else "NONE (%s)" % (final,)))
pid = client.process.pid
client.close()
exit_code = client.process.returncode
print("server exit status after shutdown/exit: %s" % exit_code)
ok = (unanswered == 0 and client.duplicates == 0 and client.malformed == 0 and growth_mb < 20
      and set(codes) <= {-32800} and bool(final_items) and status.get("inFlight") == 0 and exit_code == 0)
print("soak: %s" % ("PASS" if ok else "FAIL"))
sys.exit(0 if ok else 1)
PY
