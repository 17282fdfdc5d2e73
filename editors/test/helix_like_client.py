#!/usr/bin/env python3
"""A scripted LSP client that behaves like Helix towards `hunch serve --stdio`, to check that Hunch's completion
items land correctly in Helix's completion menu (Helix itself is not installed here).

What it copies from Helix (helix-lsp's client and helix-term's completion handler):
  - initialize offers positionEncodings [utf-8, utf-32, utf-16], snippetSupport and insertReplaceSupport, no
    completion contextSupport, clientInfo "helix";
  - incremental didChange for every typed character when the server asks for it (full text otherwise);
  - a typed trigger character asks at once (context triggerKind 2); otherwise, once the word before the cursor has
    2 characters, it asks after 250 ms of quiet (triggerKind 1); while the menu shows an incomplete list, every
    keystroke asks again (triggerKind 3);
  - it NEVER sends $/cancelRequest: an unwanted answer is dropped on arrival, and each request waits for its
    answer until a timeout (Helix's default is 20 s; here HUNCH_TEST_TIMEOUT_S, default 60, since a model runs on
    a CPU);
  - accepting an item first restores the document to the state it had when the request went out (Helix's
    savepoint), then applies the item's textEdit (a snippet is rendered: escapes removed).
Usage: HUNCH_BIN=path/to/hunch python3 editors/test/helix_like_client.py   (prints `N passed, M failed`)
"""
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT = float(os.environ.get("HUNCH_TEST_TIMEOUT_S", "60"))
IDLE_TIMEOUT = 0.25  # Helix's completion-timeout default
TRIGGER_LENGTH = 2  # Helix's completion-trigger-len default
HELIX_ENCODINGS = ["utf-8", "utf-32", "utf-16"]

passed = 0
failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL " + name + (": " + detail if detail else ""))
    return condition


def units(text, encoding):
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-16":
        return len(text.encode("utf-16-le")) // 2
    return len(text)


class Document:
    """The editor's copy of a file: a Python string and conversions to LSP positions."""

    def __init__(self, text):
        self.text = text

    def line_start(self, line):
        start = 0
        for _ in range(line):
            found = self.text.find("\n", start)
            if found < 0:
                return None
            start = found + 1
        return start

    def position(self, index, encoding):
        line = self.text.count("\n", 0, index)
        start = self.line_start(line)
        return {"line": line, "character": units(self.text[start:index], encoding)}

    def index(self, position, encoding):
        """String index of an LSP position, or None when it is not in the document or splits a character."""
        start = self.line_start(position["line"])
        if start is None:
            return None
        end = self.text.find("\n", start)
        end = len(self.text) if end < 0 else end
        count = 0
        for offset in range(start, end + 1):
            if count == position["character"]:
                return offset
            if count > position["character"] or offset == end:
                return None
            count += units(self.text[offset], encoding)
        return None


def render_snippet(text):
    """Helix renders a snippet before inserting it: escapes go away, tabstops and placeholders become their text."""
    text = re.sub(r"\$\{\d+:([^}]*)\}", r"\1", text)
    text = re.sub(r"\$\{\d+\}|\$\d+", "", text)
    return re.sub(r"\\([\\$}])", r"\1", text)


class Client:
    def __init__(self, command, root, encodings):
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, cwd=root)
        self.root = root
        self.encodings = encodings
        self.next_id = 0
        self.answers = {}
        self.answered = threading.Condition()
        self.notifications = queue.Queue()
        self.sent_methods = []
        self.stderr = []
        threading.Thread(target=self.read_loop, daemon=True).start()
        threading.Thread(target=self.drain_stderr, daemon=True).start()

    def drain_stderr(self):
        for line in self.process.stderr:
            self.stderr.append(line.decode("utf-8", "replace"))

    def read_loop(self):
        stream = self.process.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    with self.answered:
                        self.answered.notify_all()
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            message = json.loads(stream.read(length))
            if "method" in message and "id" in message:
                # A request from the server (workDoneProgress/create, configuration…): Helix answers them all.
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            elif "method" in message:
                self.notifications.put(message)
            else:
                with self.answered:
                    self.answers[message.get("id")] = message
                    self.answered.notify_all()

    def send(self, payload):
        body = json.dumps(payload).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def request(self, method, params):
        self.next_id += 1
        self.sent_methods.append(method)
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.next_id

    def notify(self, method, params):
        self.sent_methods.append(method)
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait(self, request_id, timeout=TIMEOUT):
        """The answer to `request_id`, or None after `timeout` (Helix then reports a timeout; it never cancels)."""
        deadline = time.time() + timeout
        with self.answered:
            while request_id not in self.answers:
                left = deadline - time.time()
                if left <= 0 or self.process.poll() is not None:
                    return None
                self.answered.wait(left)
            return self.answers.pop(request_id)

    def initialize(self):
        uri = "file://" + self.root
        request_id = self.request("initialize", {
            "processId": os.getpid(), "rootPath": self.root, "rootUri": uri,
            "workspaceFolders": [{"uri": uri, "name": os.path.basename(self.root)}],
            "initializationOptions": None,
            "capabilities": {
                "general": {"positionEncodings": self.encodings},
                "textDocument": {"completion": {"completionItem": {
                    "snippetSupport": True, "insertReplaceSupport": True, "deprecatedSupport": True,
                    "resolveSupport": {"properties": ["documentation", "detail", "additionalTextEdits"]},
                    "tagSupport": {"valueSet": [1]}}, "completionItemKind": {}}},
                "window": {"workDoneProgress": True},
                "workspace": {"configuration": True, "workspaceFolders": True, "applyEdit": True,
                              "executeCommand": {"dynamicRegistration": False}},
            },
            "clientInfo": {"name": "helix", "version": "25.07"},
        })
        answer = self.wait(request_id, 30)
        if answer is None or "result" not in answer:
            return None
        self.notify("initialized", {})
        return answer["result"]

    def shutdown(self):
        answer = self.wait(self.request("shutdown", None), 10)
        self.notify("exit", None)
        try:
            code = self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = None
        return answer, code


class Editor:
    """One open document in insert mode, typed into the way Helix types."""

    def __init__(self, client, capabilities, path, text, language):
        self.client = client
        self.encoding = capabilities.get("positionEncoding", "utf-16")
        sync = capabilities.get("textDocumentSync", 1)
        self.incremental = (sync.get("change") if isinstance(sync, dict) else sync) == 2
        self.triggers = (capabilities.get("completionProvider") or {}).get("triggerCharacters") or []
        self.uri = "file://" + path
        self.doc = Document(text)
        self.version = 0
        client.notify("textDocument/didOpen", {"textDocument": {
            "uri": self.uri, "languageId": language, "version": 0, "text": text}})
        self.cursor = len(text)

    def move_to(self, index):
        self.cursor = index

    def type(self, text):
        """Types `text` one character at a time, with a didChange for each, as Helix does."""
        for character in text:
            position = self.doc.position(self.cursor, self.encoding)
            self.doc.text = self.doc.text[:self.cursor] + character + self.doc.text[self.cursor:]
            self.cursor += 1
            self.version += 1
            if self.incremental:
                change = {"range": {"start": position, "end": position}, "text": character}
            else:
                change = {"text": self.doc.text}
            self.client.notify("textDocument/didChange", {
                "textDocument": {"uri": self.uri, "version": self.version}, "contentChanges": [change]})

    def word_before_cursor(self):
        return re.search(r"\w*$", self.doc.text[:self.cursor]).group(0)

    def context_now(self, typed_last):
        """What Helix would send after typing `typed_last`: None when no request goes out yet."""
        if typed_last in self.triggers:
            return {"triggerKind": 2, "triggerCharacter": typed_last}, 0.005
        if len(self.word_before_cursor()) >= TRIGGER_LENGTH:
            return {"triggerKind": 1}, IDLE_TIMEOUT
        return None, None

    def complete(self, context):
        """Sends textDocument/completion now; returns (request id, savepoint)."""
        savepoint = (self.doc.text, self.cursor, self.version)
        request_id = self.client.request("textDocument/completion", {
            "textDocument": {"uri": self.uri}, "position": self.doc.position(self.cursor, self.encoding),
            "context": context})
        return request_id, savepoint

    def accept(self, item, savepoint):
        """Restores the savepoint and applies the item as Helix does; returns (new text, new cursor) or an error."""
        text, cursor, _ = savepoint
        doc = Document(text)
        edit = item.get("textEdit")
        if edit is None:
            return None, "item has no textEdit"
        if "range" not in edit:
            edit = {"range": edit["insert"], "newText": edit["newText"]}
        start = doc.index(edit["range"]["start"], self.encoding)
        end = doc.index(edit["range"]["end"], self.encoding)
        if start is None or end is None or start > end:
            return None, "range %r is not in the document" % (edit["range"],)
        new_text = edit["newText"]
        if item.get("insertTextFormat") == 2 or item.get("kind") == 15:
            new_text = render_snippet(new_text)
        # Helix turns the range into offsets around the cursor and applies them at the cursor.
        start_offset, end_offset = start - cursor, end - cursor
        result = text[:cursor + start_offset] + new_text + text[cursor + end_offset:]
        return (result, cursor + start_offset + len(new_text)), None


def menu_items(answer):
    if answer is None or "result" not in answer or answer["result"] is None:
        return None
    result = answer["result"]
    return result if isinstance(result, list) else result.get("items", [])


def expected_after(savepoint, item_text_after_word):
    text, cursor, _ = savepoint
    return text[:cursor] + item_text_after_word + text[cursor:]


def check_item(name, editor, item, savepoint):
    """Accepting `item` must keep everything the user typed and add the suggestion right at the cursor."""
    text, cursor, _ = savepoint
    applied, problem = editor.accept(item, savepoint)
    if not check(name + ": textEdit applies", applied is not None, problem or ""):
        return None
    new_text, new_cursor = applied
    word = re.search(r"\w*$", text[:cursor]).group(0)
    inserted = new_text[cursor - len(word):new_cursor]
    check(name + ": the typed word is kept", inserted.startswith(word), repr(inserted))
    suggestion = inserted[len(word):]
    print("#   %s inserts %r" % (name, suggestion))
    check(name + ": the text before the word and after the cursor are unchanged",
          new_text == text[:cursor] + suggestion + text[cursor:], repr(new_text))
    check(name + ": the label and filter text start with the typed word",
          item.get("label", "").startswith(word) and (item.get("filterText") or item["label"]).startswith(word),
          repr(item))
    return suggestion


def scenario(command, encodings, title, fake_expectation):
    print("# %s (offers %s)" % (title, ", ".join(encodings)))
    root = tempfile.mkdtemp(prefix="hunch-helix-")
    try:
        client = Client(command, root, encodings)
        result = client.initialize()
        if not check("initialize answers", result is not None, "".join(client.stderr)[-2000:]):
            client.process.kill()
            return
        capabilities = result["capabilities"]
        negotiated = capabilities.get("positionEncoding", "utf-16")
        first_supported = next(e for e in encodings if e in ("utf-8", "utf-16", "utf-32"))
        check("the server picks %s" % first_supported, negotiated == first_supported, negotiated)
        check("the server offers completion", isinstance(capabilities.get("completionProvider"), dict))

        source = open(os.path.join(HERE, "fixtures", "fib.py"), encoding="utf-8").read()
        path = os.path.join(root, "fib.py")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(source)
        editor = Editor(client, capabilities, path, source, "python")
        editor.move_to(len(source) - 1)  # end of the `    return` line

        # Type " fi": the space is a trigger character (an immediate request), then "fi" after the idle timeout.
        answers = []
        for character in " fi":
            editor.type(character)
            context, delay = editor.context_now(character)
            if context is not None:
                time.sleep(delay)
                request_id, savepoint = editor.complete(context)
                answers.append((context, request_id, savepoint))
        for context, request_id, savepoint in answers:
            answer = client.wait(request_id)
            check("request (triggerKind %d) is answered without any $/cancelRequest" % context["triggerKind"],
                  answer is not None and ("result" in answer or "error" in answer), repr(answer))
            if answer is not None and "error" in answer:
                check("no error for a request Helix does not cancel", False, repr(answer["error"]))
        last_context, last_id, last_savepoint = answers[-1]
        check("the last request came after 2 word characters with triggerKind 1", last_context["triggerKind"] == 1)

        # Ask once more at the same place (Helix does so on the next keystroke when the list is incomplete).
        request_id, savepoint = editor.complete({"triggerKind": 1})
        answer = client.wait(request_id)
        items = menu_items(answer)
        if not check("the menu gets items", bool(items), repr(answer)):
            client.shutdown()
            return
        hunch_items = [item for item in items if item.get("detail") == "Hunch"] or items
        suggestion = check_item("first item", editor, hunch_items[0], savepoint)
        if fake_expectation is not None and suggestion is not None:
            check("the inserted text is the fake server's suggestion", suggestion == fake_expectation[2:],
                  repr(suggestion))
        if suggestion and "\n" in suggestion:
            check("a multi-line item is a snippet (Helix offers snippets)",
                  hunch_items[0].get("insertTextFormat") == 2, repr(hunch_items[0]))

        # Helix keeps typing while a request is out and never cancels it: the stale answer must still come, and
        # must still fit the document as it was when the request went out.
        request_id, stale_savepoint = editor.complete({"triggerKind": 1})
        editor.type("b")
        stale = client.wait(request_id)
        check("a request overtaken by typing is still answered", stale is not None and "result" in stale,
              repr(stale))
        stale_items = menu_items(stale) or []
        if stale_items:
            check_item("stale item", editor, stale_items[0], stale_savepoint)
        request_id, savepoint = editor.complete({"triggerKind": 3})
        items = menu_items(client.wait(request_id)) or []
        if check("re-asking for an incomplete list after typing gets items", bool(items)):
            check_item("item after typing", editor, items[0], savepoint)

        # Several requests in a row (fast typing with an incomplete list), none cancelled: all must be answered.
        ids = []
        for character in "on":
            editor.type(character)
            ids.append(editor.complete({"triggerKind": 3}))
        results = [client.wait(request_id) for request_id, _ in ids]
        check("every one of a burst of requests is answered", all(r is not None and "result" in r for r in results),
              repr(results))
        final_items = menu_items(results[-1]) or []
        if final_items:
            check_item("newest item of the burst", editor, final_items[0], ids[-1][1])

        # Characters of 2, 3 and 4 UTF-8 bytes (a UTF-16 surrogate pair) before the cursor on its own line: the
        # edit's columns must be counted in the negotiated encoding.
        unicode_source = 'def fibonacci(n):\n    label = "é ☕ 🐍"; return \n'
        unicode_path = os.path.join(root, "unicode.py")
        with open(unicode_path, "w", encoding="utf-8") as handle:
            handle.write(unicode_source)
        other = Editor(client, capabilities, unicode_path, unicode_source, "python")
        other.move_to(len(unicode_source) - 1)
        other.type("fi")
        time.sleep(IDLE_TIMEOUT)
        request_id, savepoint = other.complete({"triggerKind": 1})
        items = menu_items(client.wait(request_id)) or []
        if check("items after non-ASCII text on the cursor line", bool(items)):
            suggestion = check_item("non-ASCII line", other, items[0], savepoint)
            if fake_expectation is not None and suggestion is not None:
                check("non-ASCII line: the suggestion is complete", suggestion == fake_expectation[2:],
                      repr(suggestion))

        check("the client never sent $/cancelRequest", "$/cancelRequest" not in client.sent_methods)
        answer, code = client.shutdown()
        check("shutdown and exit end the server with status 0", answer is not None and code == 0,
              "answer %r, exit %r" % (answer, code))
    finally:
        shutil.rmtree(root, ignore_errors=True)


def helix_config_command(binary):
    """The server command exactly as editors/helix/languages.toml (the set-up docs/editors.md gives) starts it, with
    `hunch` replaced by the binary under test; also checks that every language lists Hunch for completion only."""
    import tomllib
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helix", "languages.toml")
    with open(path, "rb") as f:
        config = tomllib.load(f)
    server = config.get("language-server", {}).get("hunch", {})
    check("languages.toml defines the hunch server as `hunch serve --stdio`",
          server.get("command") == "hunch" and server.get("args") == ["serve", "--stdio"], server)
    languages = config.get("language", [])
    with_hunch = [
        lang["name"] for lang in languages
        if any(isinstance(s, dict) and s.get("name") == "hunch" and s.get("only-features") == ["completion"]
               for s in lang.get("language-servers", []))
    ]
    check("every language in languages.toml adds hunch for completion only (%d)" % len(languages),
          len(languages) >= 12 and len(with_hunch) == len(languages), with_hunch)
    return [binary] + server.get("args", ["serve", "--stdio"])


def main():
    binary = os.environ.get("HUNCH_BIN") or shutil.which("hunch")
    if not binary:
        print("HUNCH_BIN is not set and `hunch` is not on PATH")
        print("0 passed, 1 failed")
        return 1
    command = helix_config_command(binary)
    fake = os.path.basename(binary) == "fake-hunch"
    expectation = "fibonacci(n - 1) + fibonacci(n - 2)\n\n\nprint(fibonacci(10))" if fake else None
    scenario(command, HELIX_ENCODINGS, "Helix", expectation)
    # Not Helix: a client that only knows UTF-16 (the LSP default), to check the same edits in other units.
    scenario(command, ["utf-16"], "UTF-16-only client", expectation)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
