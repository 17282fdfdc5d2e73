#!/usr/bin/env python3
"""Cut completion holes in real code Hunch did not write, for `hunch eval`.

Each case is one JSON line: id, set, language, kind ("single-line" or "block"), path, prefix, suffix, expected
(the hidden text the hole held). Deterministic for a given seed.

Sets:
  python-stdlib   the CPython 3.11 standard library modules
  swift-packages  Sources/ of swift-nio (tag 2.101.3) from the local package mirror
  javascript      npm's own lib/ as bundled with node

Usage: scripts/make-eval-cases.py [--seed 7] [--count 150] [--out bench/cases]
"""
import argparse
import glob
import json
import os
import random
import subprocess
import sys

PYTHON_LIB = "/root/.pyenv/versions/3.11.7/lib/python3.11"
NIO_GIT = "/opt/swift-packages/apple/swift-nio.git"
NIO_TAG = "2.101.3"
NPM_LIB = "/usr/lib/node_modules/npm/lib"

PREFIX_CHARS = 4000
SUFFIX_CHARS = 1500
MAX_BLOCK_LINES = 12
CLOSERS = ")]}"
OPENERS = "([{"


def python_sources():
    for path in sorted(glob.glob(os.path.join(PYTHON_LIB, "*.py"))):
        with open(path, encoding="utf-8", errors="replace") as handle:
            yield "Lib/" + os.path.basename(path), handle.read()


def swift_sources():
    names = subprocess.run(
        ["git", "-C", NIO_GIT, "ls-tree", "-r", "--name-only", NIO_TAG], check=True, capture_output=True, text=True
    ).stdout.split("\n")
    for name in sorted(n for n in names if n.startswith("Sources/") and n.endswith(".swift")):
        text = subprocess.run(
            ["git", "-C", NIO_GIT, "show", f"{NIO_TAG}:{name}"], check=True, capture_output=True, text=True
        ).stdout
        yield "swift-nio/" + name, text


def javascript_sources():
    for path in sorted(glob.glob(os.path.join(NPM_LIB, "**", "*.js"), recursive=True)):
        with open(path, encoding="utf-8", errors="replace") as handle:
            yield "npm/lib/" + os.path.relpath(path, NPM_LIB), handle.read()


SETS = {
    "python-stdlib": ("python", python_sources),
    "swift-packages": ("swift", swift_sources),
    "javascript": ("javascript", javascript_sources),
}


def indent_of(line):
    return len(line) - len(line.lstrip(" \t"))


def balanced(text):
    stack = []
    quote = None
    escaped = False
    for ch in text:
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = None
            continue
        if ch in "\"'`":
            quote = ch
        elif ch in OPENERS:
            stack.append(ch)
        elif ch in CLOSERS:
            if not stack or OPENERS[CLOSERS.index(ch)] != stack[-1]:
                return False
            stack.pop()
    return not stack and quote is None


def comment_or_string_lines(language, lines):
    """Indices of lines inside block comments or triple-quoted strings (rough), and comment lines."""
    skip = set()
    inside = None
    for index, line in enumerate(lines):
        stripped = line.strip()
        if inside:
            skip.add(index)
            if inside in stripped:
                inside = None
            continue
        if language == "python":
            for quote in ('"""', "'''"):
                if stripped.count(quote) % 2 == 1:
                    inside = quote
                    skip.add(index)
            if stripped.startswith("#"):
                skip.add(index)
        else:
            if stripped.startswith("/*") and "*/" not in stripped:
                inside = "*/"
                skip.add(index)
            if stripped.startswith(("//", "/*", "*")):
                skip.add(index)
    return skip


def clip_prefix(text, skip):
    """The last PREFIX_CHARS or so of `text`, starting at a line outside any docstring or block comment."""
    if len(text) <= PREFIX_CHARS:
        return text
    offsets = line_offsets(text.split("\n"))
    start_line = next(i for i, offset in enumerate(offsets) if offset >= len(text) - PREFIX_CHARS)
    while start_line in skip and start_line < len(offsets) - 1:
        start_line += 1
    return text[offsets[start_line]:]


def clip_suffix(text):
    if len(text) <= SUFFIX_CHARS:
        return text
    clipped = text[:SUFFIX_CHARS]
    newline = clipped.rfind("\n")
    return clipped[:newline] if newline > 0 else clipped


def line_offsets(lines):
    offsets = []
    position = 0
    for line in lines:
        offsets.append(position)
        position += len(line) + 1
    return offsets


def is_boring(stripped):
    return (
        len(stripped) < 12
        or all(ch in CLOSERS + ";,: " for ch in stripped)
        or stripped.startswith(("import ", "from ", "#", "//", "/*", "*", "@", "'use strict'", '"use strict"'))
    )


def single_line_case(rng, language, text, lines, skip):
    candidates = [
        i for i, line in enumerate(lines)
        if i not in skip and not is_boring(line.strip()) and len(line) < 160
    ]
    if not candidates:
        return None
    index = rng.choice(candidates)
    line = lines[index].rstrip()
    start = indent_of(line)
    # Cut after a token boundary: the start of the content, or after a space, `(`, `.`, `=`, `,`, `[`.
    cuts = [start] + [i + 1 for i in range(start, len(line) - 3) if line[i] in " (.=,["]
    cut = rng.choice(cuts)
    expected = line[cut:]
    right = ""
    # Sometimes leave the closing brackets at the end of the line in place (a hole mid-line).
    tail_length = len(line) - len(line.rstrip(CLOSERS + ";:{ "))
    if tail_length and rng.random() < 0.4:
        middle = line[cut:len(line) - tail_length]
        if middle.strip() and balanced(middle) and not middle.endswith(" "):
            expected, right = middle, line[len(line) - tail_length:]
    if not expected.strip():
        return None
    offsets = line_offsets(lines)
    prefix = text[:offsets[index]] + line[:cut]
    suffix = right + text[offsets[index] + len(lines[index]):]
    return prefix, suffix, expected


def block_case(rng, language, text, lines, skip):
    opener = ":" if language == "python" else "{"
    headers = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        if i in skip or not stripped.endswith(opener) or not balanced(stripped[:-1]):
            continue
        if language == "python" and not stripped.split(" ")[0].rstrip(":") in (
            "def", "class", "if", "elif", "else", "for", "while", "with", "try", "except", "finally", "async"):
            continue
        headers.append(i)
    rng.shuffle(headers)
    for header in headers[:40]:
        header_indent = indent_of(lines[header])
        end = header + 1
        last_body = None
        while end < len(lines):
            line = lines[end]
            if line.strip() == "":
                end += 1
                continue
            if indent_of(line) <= header_indent:
                break
            last_body = end
            end += 1
        if last_body is None or header + 1 >= len(lines) or lines[header + 1].strip() == "":
            continue
        if language != "python":
            closing = lines[end] if end < len(lines) else ""
            if indent_of(closing) != header_indent or not closing.strip().startswith("}"):
                continue
        body = lines[header + 1:last_body + 1]
        if not 1 <= sum(1 for line in body if line.strip()) <= MAX_BLOCK_LINES:
            continue
        offsets = line_offsets(lines)
        first_indent = lines[header + 1][:indent_of(lines[header + 1])]
        prefix = text[:offsets[header + 1]] + first_indent
        expected = "\n".join(body)[len(first_indent):].rstrip()
        suffix = text[offsets[last_body] + len(lines[last_body]):]
        return prefix, suffix, expected
    return None


def make_set(name, count, seed):
    language, sources = SETS[name]
    files = [(path, text) for path, text in sources() if text.strip() and max(map(len, text.split("\n"))) < 400]
    rng = random.Random(f"{seed}-{name}")
    cases = []
    seen = set()
    attempts = 0
    while len(cases) < count and attempts < count * 50:
        attempts += 1
        path, text = rng.choice(files)
        lines = text.split("\n")
        skip = comment_or_string_lines(language, lines)
        kind = "block" if len(cases) % 5 >= 3 else "single-line"  # 60% single-line, 40% block
        made = (block_case if kind == "block" else single_line_case)(rng, language, text, lines, skip)
        if not made:
            continue
        prefix, suffix, expected = made
        key = (path, len(prefix))
        if key in seen or len(expected) > 1200:
            continue
        seen.add(key)
        cases.append({
            "id": f"{name}-{len(cases):03d}", "set": name, "language": language, "kind": kind, "path": path,
            "prefix": clip_prefix(prefix, skip), "suffix": clip_suffix(suffix), "expected": expected,
        })
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--count", type=int, default=150)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "bench", "cases"))
    parser.add_argument("--sets", nargs="*", default=list(SETS))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name in args.sets:
        cases = make_set(name, args.count, args.seed)
        path = os.path.join(args.out, f"{name}.jsonl")
        with open(path, "w", encoding="utf-8") as handle:
            for case in cases:
                handle.write(json.dumps(case, ensure_ascii=False) + "\n")
        kinds = {k: sum(1 for c in cases if c["kind"] == k) for k in ("single-line", "block")}
        print(f"{path}: {len(cases)} cases {kinds}", file=sys.stderr)


if __name__ == "__main__":
    main()
