#!/usr/bin/env bash
# Soak test of the language server with the real model: 10,000 editor messages (opens, edits, inline and popup
# completions, cancellations, closes) from a scripted client. Checks that every request got exactly one answer,
# that resident memory grew by less than 20 MB between the first and the last thousand messages, and that the
# server still answers at the end. Usage: bench/soak.sh [HUNCH_BINARY] [MESSAGES]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
binary="${1:-$root/.build/release/hunch}"
messages="${2:-10000}"
exec python3 - "$binary" "$messages" "$root/bench/typing-replay" <<'PY'
import os, random, sys, time
binary, total, replay_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sys.path.insert(0, replay_dir)
from run import LspClient, ReplayError

def rss_kb(pid):
    with open("/proc/%d/status" % pid) as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

random.seed(7)
client = LspClient([binary, "serve", "--stdio", "--debounce-ms", "20"], "/tmp/hunch-soak-server.log")
client.call("initialize", {"processId": os.getpid(), "capabilities": {"general": {"positionEncodings": ["utf-32"]}},
                           "initializationOptions": {"debounceMilliseconds": 20}}, timeout=120)
client.notify("initialized", {})
# Load the model first, so that the memory marks compare a loaded server with a loaded server.
client.notify("textDocument/didOpen", {"textDocument": {"uri": "file:///soak/warm.py", "languageId": "python",
                                                        "version": 1, "text": "def answer():\n    return "}})
warm_id, _ = client.request("textDocument/inlineCompletion", {"textDocument": {"uri": "file:///soak/warm.py"},
                                                               "position": {"line": 1, "character": 11}})
if client.wait(warm_id, 900) is None:
    sys.exit("soak: the warm-up completion got no answer")
client.notify("textDocument/didClose", {"textDocument": {"uri": "file:///soak/warm.py"}})
base = "def total(values):\n    result = 0\n    for value in values:\n        result += value\n    return result\n\n"
documents = {}  # uri -> [version, text] of open documents
requests = []   # ids of every request sent
rss_marks = []
started = time.monotonic()
for step in range(total):
    uri = "file:///soak/module%d.py" % random.randrange(5)
    if uri not in documents:
        documents[uri] = [1, base]
        client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                                "text": base}})
    else:
        roll = random.random()
        version, text = documents[uri]
        line = text.count("\n")
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
    if (step + 1) % 1000 == 0:
        client.call("workspace/executeCommand", {"command": "hunch.status"}, timeout=600)
        rss_marks.append(rss_kb(client.process.pid))
        print("%5d messages, %4d requests, RSS %d MB, %.0f s" % (step + 1, len(requests), rss_marks[-1] >> 10,
                                                                 time.monotonic() - started), flush=True)
deadline = time.monotonic() + 900
while time.monotonic() < deadline and any(r not in client.responses for r in requests):
    time.sleep(0.5)
status = client.call("workspace/executeCommand", {"command": "hunch.status"}, timeout=60)
unanswered = sum(r not in client.responses for r in requests)
errors = sum("error" in client.responses[r][1] for r in requests if r in client.responses)
growth_mb = (rss_marks[-1] - rss_marks[0]) / 1024 if rss_marks else 0
print("requests %d: unanswered %d, answered more than once %d, answered with an error (cancelled) %d" % (
    len(requests), unanswered, client.duplicates, errors))
print("server counters: %s" % {k: status.get(k) for k in ("completionRequests", "providerCalls", "answeredFromCache",
                                                          "superseded", "cancelled", "inFlight")})
print("RSS growth from the first to the last thousand messages: %.1f MB" % growth_mb)
client.close()
ok = unanswered == 0 and client.duplicates == 0 and client.malformed == 0 and growth_mb < 20
print("soak: %s" % ("PASS" if ok else "FAIL"))
sys.exit(0 if ok else 1)
PY
