#!/usr/bin/env python3
"""Typing replay: an editor's ghost-text traffic against `hunch serve --stdio`, timed.

Opens a real source file with a stretch of lines removed, then types the stretch back one key at a time the way an
editor with ghost text does (Neovim-style): an incremental didChange and a textDocument/inlineCompletion after every
keystroke, never cancelling older requests. Reports keystroke-to-suggestion latency, how requests were answered
(model, typed-through suggestion, superseded) and how often the suggestion matched what was typed next.

Python 3 standard library only. See README.md next to this file.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# Built-in cases: a file this project did not write and a stretch of lines (1-based, inclusive) inside a function body.
CASES = {
    "textwrap": {
        "path": "/root/.pyenv/versions/3.11.7/lib/python3.11/textwrap.py",
        "language": "python",
        "first_line": 434,
        "last_line": 438,
    },
    "bytebuffer": {
        "git": ("/opt/swift-packages/apple/swift-nio.git", "2.101.3:Sources/NIOCore/ByteBuffer-core.swift"),
        "language": "swift",
        "first_line": 1142,
        "last_line": 1146,
    },
}


class ReplayError(Exception):
    pass


class LspClient:
    """JSON-RPC over a child's stdin/stdout; a reader thread timestamps every message on arrival."""

    def __init__(self, command, stderr_path):
        self.stderr_file = open(stderr_path, "wb")
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self.stderr_file)
        self.lock = threading.Condition()
        self.responses = {}  # id -> (arrival time, message)
        self.notifications = []
        self.duplicates = 0
        self.malformed = 0
        self.closed = False
        self.next_id = 0
        self.reader = threading.Thread(target=self._read_loop, daemon=True)
        self.reader.start()

    def _read_loop(self):
        stream = self.process.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    with self.lock:
                        self.closed = True
                        self.lock.notify_all()
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii", "replace").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if length is None:
                self.malformed += 1
                continue
            body = stream.read(length)
            now = time.monotonic()
            try:
                message = json.loads(body)
            except ValueError:
                with self.lock:
                    self.malformed += 1
                continue
            with self.lock:
                if "id" in message and "method" not in message:
                    if message["id"] in self.responses:
                        self.duplicates += 1
                    else:
                        self.responses[message["id"]] = (now, message)
                else:
                    self.notifications.append(message)
                self.lock.notify_all()

    def _send(self, message):
        body = json.dumps(message, ensure_ascii=False).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def request(self, method, params):
        """Sends a request; returns (id, send time)."""
        self.next_id += 1
        request_id = self.next_id
        sent = time.monotonic()
        self._send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        return request_id, sent

    def notify(self, method, params):
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait(self, request_id, timeout):
        deadline = time.monotonic() + timeout
        with self.lock:
            while request_id not in self.responses:
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    return None
                self.lock.wait(left)
            return self.responses[request_id]

    def call(self, method, params, timeout=60):
        request_id, _ = self.request(method, params)
        answer = self.wait(request_id, timeout)
        if answer is None:
            raise ReplayError("no answer to %s within %d s" % (method, timeout))
        message = answer[1]
        if "error" in message:
            raise ReplayError("%s failed: %s" % (method, message["error"]))
        return message.get("result")

    def close(self):
        try:
            self.call("shutdown", None, timeout=10)
            self.notify("exit", None)
            self.process.wait(timeout=10)
        except (ReplayError, OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        self.stderr_file.close()


def load_case(args):
    if args.file:
        with open(args.file, encoding="utf-8") as handle:
            text = handle.read()
        language = args.language or guess_language(args.file)
        first, last = args.lines
        return os.path.basename(args.file), args.file, text, language, first, last
    case = CASES[args.case]
    if "git" in case:
        repository, spec = case["git"]
        text = subprocess.run(["git", "-C", repository, "show", spec], check=True, capture_output=True,
                              text=True).stdout
        path = "/tmp/hunch-replay/" + os.path.basename(spec.split(":", 1)[1])
    else:
        with open(case["path"], encoding="utf-8") as handle:
            text = handle.read()
        path = case["path"]
    first, last = args.lines or (case["first_line"], case["last_line"])
    return args.case, path, text, case["language"], first, last


def guess_language(path):
    extension = os.path.splitext(path)[1]
    return {".py": "python", ".swift": "swift", ".c": "c", ".h": "c", ".rs": "rust", ".js": "javascript",
            ".ts": "typescript", ".go": "go"}.get(extension, "plaintext")


def keystrokes(stretch, autoindent):
    """The edits a typist makes: one character each; with autoindent a line's leading whitespace arrives in one edit
    (as the editor inserts it after Enter, or at the start of the first line)."""
    keys = []
    for index, line in enumerate(stretch.split("\n")):
        if index > 0:
            keys.append("\n")
        body = line.lstrip(" \t")
        indentation = line[:len(line) - len(body)]
        if indentation:
            if autoindent:
                if index > 0:
                    keys[-1] += indentation
                else:
                    keys.append(indentation)
            else:
                keys.extend(indentation)
        keys.extend(body)
    return keys


class Positions:
    """LSP positions of code-point offsets in a text, in the negotiated encoding."""

    def __init__(self, encoding):
        self.encoding = encoding

    def of(self, text, offset):
        line = text.count("\n", 0, offset)
        line_start = text.rfind("\n", 0, offset) + 1
        prefix = text[line_start:offset]
        if self.encoding == "utf-8":
            character = len(prefix.encode("utf-8"))
        elif self.encoding == "utf-16":
            character = len(prefix.encode("utf-16-le")) // 2
        else:
            character = len(prefix)
        return {"line": line, "character": character}

    def offset(self, text, position):
        line_start = 0
        for _ in range(position["line"]):
            line_start = text.index("\n", line_start) + 1
        line_end = text.find("\n", line_start)
        line = text[line_start:] if line_end < 0 else text[line_start:line_end]
        if self.encoding == "utf-32":
            return line_start + position["character"]
        codec = "utf-8" if self.encoding == "utf-8" else "utf-16-le"
        width = 1 if self.encoding == "utf-8" else 2
        units = 0
        for index, character in enumerate(line):
            if units >= position["character"]:
                return line_start + index
            units += len(character.encode(codec)) // width
        return line_start + len(line)


def first_line_of(suggestion):
    """The suggestion up to the end of its first line that is not blank (a suggestion may start with a newline)."""
    seen_text = False
    for index, character in enumerate(suggestion):
        if character == "\n" and seen_text:
            return suggestion[:index]
        if not character.isspace():
            seen_text = True
    return suggestion


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarize(latencies):
    milliseconds = [value * 1000 for value in latencies]
    return {
        "count": len(milliseconds),
        "p50_ms": round(percentile(milliseconds, 0.50), 1) if milliseconds else None,
        "p95_ms": round(percentile(milliseconds, 0.95), 1) if milliseconds else None,
        "p99_ms": round(percentile(milliseconds, 0.99), 1) if milliseconds else None,
        "max_ms": round(max(milliseconds), 1) if milliseconds else None,
    }


def cpu_seconds(pid):
    """User + system CPU time a process has used so far, from /proc (None where there is no /proc)."""
    try:
        with open("/proc/%d/stat" % pid) as handle:
            fields = handle.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def difference(later, earlier):
    return None if later is None or earlier is None else round(later - earlier, 2)


def status_counters(client):
    result = client.call("workspace/executeCommand", {"command": "hunch.status"})
    return {key: result.get(key) for key in
            ("provider", "completionRequests", "providerCalls", "answeredFromCache", "superseded", "cancelled",
             "inFlight", "debounceMilliseconds")}


def replay(args):
    name, path, original, language, first_line, last_line = load_case(args)
    lines = original.split("\n")
    if not (1 <= first_line <= last_line <= len(lines)):
        raise ReplayError("lines %d-%d are outside the file's %d lines" % (first_line, last_line, len(lines)))
    start = sum(len(line) + 1 for line in lines[:first_line - 1])
    end = start + sum(len(line) + 1 for line in lines[first_line - 1:last_line]) - 1  # keep the last newline
    stretch = original[start:end]
    text = original[:start] + original[end:]
    uri = "file://" + path
    keys = keystrokes(stretch, autoindent=not args.no_autoindent)

    command = [args.server, "serve", "--stdio", "--debounce-ms", str(args.debounce_ms)]
    if args.model:
        command += ["--model", args.model]
    if args.threads:
        command += ["--threads", str(args.threads)]
    stderr_path = args.server_log or os.path.join(tempfile.gettempdir(), "hunch-replay-server.log")
    load_before = os.getloadavg()
    client = LspClient(command, stderr_path)
    try:
        result = client.call("initialize", {
            "processId": os.getpid(),
            "clientInfo": {"name": "typing-replay"},
            "rootUri": None,
            "capabilities": {"general": {"positionEncodings": ["utf-32", "utf-16"]}},
        }, timeout=60)
        encoding = result.get("capabilities", {}).get("positionEncoding", "utf-16")
        positions = Positions(encoding)
        client.notify("initialized", {})
        client.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": language, "version": 1, "text": text}})
        version = 1

        # Warm-up: the first request waits for the model to load; it is not counted.
        warm_started = time.monotonic()
        warm_id, _ = client.request("textDocument/inlineCompletion", {
            "textDocument": {"uri": uri}, "position": positions.of(text, start), "context": {"triggerKind": 1}})
        warm_answer = client.wait(warm_id, args.answer_timeout)
        if warm_answer is None:
            raise ReplayError("the warm-up completion got no answer within %d s" % args.answer_timeout)
        warm_items = (warm_answer[1].get("result") or {}).get("items") or []
        # The server remembers this suggestion too: typing it is answered from it.
        warm_suggestion = None
        if warm_items and warm_items[0].get("insertText"):
            warm_range = warm_items[0].get("range")
            anchor = positions.offset(text, warm_range["start"]) if warm_range else start
            warm_suggestion = (anchor, text[anchor:start] + warm_items[0]["insertText"])
        warm_seconds = time.monotonic() - warm_started
        cpu_after_warmup = cpu_seconds(client.process.pid)
        time.sleep(args.settle)
        before = status_counters(client)

        delay = 0.0 if args.fast else 1.0 / args.cps
        records = []
        cursor = start
        typed_started = time.monotonic()
        for key in keys:
            position = positions.of(text, cursor)
            version += 1
            client.notify("textDocument/didChange", {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": {"start": position, "end": position}, "text": key}]})
            text = text[:cursor] + key + text[cursor:]
            cursor += len(key)
            request_id, sent = client.request("textDocument/inlineCompletion", {
                "textDocument": {"uri": uri}, "position": positions.of(text, cursor),
                "context": {"triggerKind": 2}})
            records.append({"id": request_id, "sent": sent, "cursor": cursor, "key": key, "text": text})
            if delay:
                time.sleep(delay)
        typing_seconds = time.monotonic() - typed_started
        cpu_at_start = cpu_after_warmup

        unanswered = 0
        for record in records:
            answer = client.wait(record["id"], args.answer_timeout)
            if answer is None:
                unanswered += 1
                record["answer"] = None
                continue
            record["answer"] = answer
        time.sleep(0.2)
        answered_seconds = time.monotonic() - typed_started
        cpu_at_end = cpu_seconds(client.process.pid)
        after = status_counters(client)
        duplicates = client.duplicates
        malformed = client.malformed
    finally:
        client.close()

    # The text after the cursor at each keystroke, as the file really has it.
    rest_of_original = original  # cursor offsets up to the typed part are the same in both texts
    classified = {"model": 0, "typed_through": 0, "empty": 0, "error": 0}
    latency_all, latency_nonempty, latency_model, latency_typed = [], [], [], []
    matched_first_line = matched_whole = nonempty = 0
    fresh_nonempty = fresh_matched = 0
    last_suggestion = warm_suggestion  # (start offset, full text) of the newest non-empty suggestion seen so far
    examples = []
    ordered = sorted((r for r in records if r["answer"] is not None), key=lambda r: r["answer"][0])
    send_times = [r["sent"] for r in records]
    for record in ordered:
        arrival, message = record["answer"]
        latency = arrival - record["sent"]
        latency_all.append(latency)
        if "error" in message:
            classified["error"] += 1
            continue
        items = (message.get("result") or {}).get("items") or []
        if not items or not items[0].get("insertText"):
            classified["empty"] += 1
            continue
        item = items[0]
        insert = item["insertText"]
        text_then = record["text"]
        anchor = positions.offset(text_then, item["range"]["start"]) if item.get("range") else record["cursor"]
        nonempty += 1
        latency_nonempty.append(latency)
        cursor = record["cursor"]
        typed_through = False
        if last_suggestion is not None:
            previous_anchor, previous_text = last_suggestion
            typed = cursor - previous_anchor
            if 0 <= typed < len(previous_text) and text_then[previous_anchor:cursor] == previous_text[:typed] \
                    and previous_text[typed:] == insert:
                typed_through = True
        if typed_through:
            classified["typed_through"] += 1
            latency_typed.append(latency)
        else:
            classified["model"] += 1
            latency_model.append(latency)
            last_suggestion = (anchor, text_then[anchor:cursor] + insert if anchor < cursor else insert)
        actual = rest_of_original[anchor:]
        first_ok = actual.startswith(first_line_of(insert))
        matched_first_line += first_ok
        matched_whole += actual.startswith(insert)
        # Fresh: no newer keystroke had been sent when the answer arrived, so the editor would show it.
        is_fresh = not any(record["sent"] < t <= arrival for t in send_times)
        if is_fresh:
            fresh_nonempty += 1
            fresh_matched += first_ok
        if len(examples) < args.examples and not typed_through:
            examples.append({"after": text_then[max(0, cursor - 30):cursor], "suggested": insert[:80],
                             "actual": actual[:len(first_line_of(insert))][:80], "first_line_match": first_ok,
                             "latency_ms": round(latency * 1000, 1)})

    delta = {key: (after[key] - before[key]) for key in
             ("completionRequests", "providerCalls", "answeredFromCache", "superseded", "cancelled")}
    report = {
        "case": name, "file": path, "language": language, "lines": [first_line, last_line],
        "stretch_characters": len(stretch), "keystrokes": len(keys),
        "mode": "fast" if args.fast else "%.1f chars/s" % args.cps, "autoindent": not args.no_autoindent,
        "position_encoding": encoding, "debounce_ms": args.debounce_ms,
        "warmup_seconds": round(warm_seconds, 2), "warmup_server_cpu_seconds": cpu_after_warmup,
        "warmup_suggestion": warm_suggestion and warm_suggestion[1],
        "typing_seconds": round(typing_seconds, 2), "until_all_answered_seconds": round(answered_seconds, 2),
        "typing_server_cpu_seconds": difference(cpu_at_end, cpu_at_start),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "requests": len(records), "unanswered": unanswered, "duplicate_answers": duplicates,
        "malformed_messages": malformed,
        "answers": classified,
        "server_counters": delta,
        "provider": after.get("provider"),
        "latency_nonempty": summarize(latency_nonempty),
        "latency_model": summarize(latency_model),
        "latency_typed_through": summarize(latency_typed),
        "latency_all": summarize(latency_all),
        "suggestions": nonempty,
        "first_line_matches": matched_first_line,
        "first_line_match_rate": round(matched_first_line / nonempty, 3) if nonempty else None,
        "whole_suggestion_matches": matched_whole,
        "fresh_suggestions": fresh_nonempty,
        "fresh_first_line_matches": fresh_matched,
        "examples": examples,
    }
    return report


def format_latency(summary):
    if not summary["count"]:
        return "n=0"
    return "n=%d  p50 %.0f ms  p95 %.0f ms  p99 %.0f ms  max %.0f ms" % (
        summary["count"], summary["p50_ms"], summary["p95_ms"], summary["p99_ms"], summary["max_ms"])


def print_report(report):
    print("case %s: %s lines %d-%d (%s), %d characters in %d keystrokes, %s, autoindent %s" % (
        report["case"], report["file"], report["lines"][0], report["lines"][1], report["language"],
        report["stretch_characters"], report["keystrokes"], report["mode"], "on" if report["autoindent"] else "off"))
    print("  server: %s, debounce %d ms, warm-up %.2f s, typing took %.2f s; load average %.1f before, %.1f after" % (
        report["provider"], report["debounce_ms"], report["warmup_seconds"], report["typing_seconds"],
        report["load_average_before"][0], report["load_average_after"][0]))
    print("  server CPU: %s s for the warm-up, %s s while typing (all answered after %.2f s)" % (
        report["warmup_server_cpu_seconds"], report["typing_server_cpu_seconds"], report["until_all_answered_seconds"]))
    answers = report["answers"]
    print("  requests %d: model %d, typed-through %d, empty %d, errors %d, unanswered %d, duplicate answers %d" % (
        report["requests"], answers["model"], answers["typed_through"], answers["empty"], answers["error"],
        report["unanswered"], report["duplicate_answers"]))
    counters = report["server_counters"]
    print("  hunch.status deltas: completionRequests %d, providerCalls %d, answeredFromCache %d, superseded %d, "
          "cancelled %d" % (counters["completionRequests"], counters["providerCalls"], counters["answeredFromCache"],
                            counters["superseded"], counters["cancelled"]))
    print("  latency, non-empty answers:  " + format_latency(report["latency_nonempty"]))
    print("  latency, model answers:      " + format_latency(report["latency_model"]))
    print("  latency, typed-through:      " + format_latency(report["latency_typed_through"]))
    print("  latency, all answers:        " + format_latency(report["latency_all"]))
    if report["suggestions"]:
        print("  suggestions matching the text typed next (first line): %d of %d (%.0f%%); whole suggestion %d; "
              "shown while current: %d (%d matching)" % (
                  report["first_line_matches"], report["suggestions"], 100 * report["first_line_match_rate"],
                  report["whole_suggestion_matches"], report["fresh_suggestions"],
                  report["fresh_first_line_matches"]))
    for example in report["examples"]:
        print("    %s …%r ⇒ %r (actual %r, %.0f ms)" % (
            "✓" if example["first_line_match"] else "✗", example["after"], example["suggested"], example["actual"],
            example["latency_ms"]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default=os.path.join(REPO, ".build/release/hunch"), help="the hunch binary")
    parser.add_argument("--case", choices=sorted(CASES), action="append",
                        help="built-in case(s) to run (default: all)")
    parser.add_argument("--file", help="replay this file instead of a built-in case")
    parser.add_argument("--lines", type=lambda s: tuple(int(x) for x in s.split("-")),
                        help="first-last line (1-based, inclusive) to remove and retype, e.g. 433-437")
    parser.add_argument("--language", help="languageId for --file (default: from the extension)")
    parser.add_argument("--cps", type=float, default=10.0, help="typing speed in characters per second (default 10)")
    parser.add_argument("--fast", action="store_true", help="no pause between keys")
    parser.add_argument("--no-autoindent", action="store_true", help="type indentation one space at a time")
    parser.add_argument("--debounce-ms", type=int, default=20, help="passed to the server (default 20)")
    parser.add_argument("--model", help="passed to the server")
    parser.add_argument("--threads", type=int, help="passed to the server")
    parser.add_argument("--settle", type=float, default=0.5, help="seconds to wait after warm-up")
    parser.add_argument("--answer-timeout", type=float, default=300.0, help="seconds to wait for each answer")
    parser.add_argument("--examples", type=int, default=6, help="model suggestions to print")
    parser.add_argument("--server-log", help="where the server's stderr goes")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    args = parser.parse_args()
    if args.file and not args.lines:
        parser.error("--file needs --lines")
    if args.cps <= 0:
        parser.error("--cps must be positive")
    if not os.access(args.server, os.X_OK):
        parser.error("no server binary at %s; build it with `swift build -c release --product hunch`" % args.server)
    cases = [None] if args.file else (args.case or sorted(CASES))
    reports = []
    for case in cases:
        args.case = case
        try:
            reports.append(replay(args))
        except (ReplayError, OSError, subprocess.CalledProcessError) as error:
            print("typing-replay: %s: %s" % (case or args.file, error), file=sys.stderr)
            return 1
    if args.json:
        print(json.dumps(reports if len(reports) > 1 else reports[0], indent=2, ensure_ascii=False))
    else:
        for report in reports:
            print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
