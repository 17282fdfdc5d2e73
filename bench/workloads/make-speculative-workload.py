#!/usr/bin/env python3
"""Cuts the speculative-decoding workload from the eval cases in bench/cases (real code: Python standard library,
Swift packages, JavaScript), so the bench runs on completions nobody wrote for it.

Takes block-completion holes (where a completion runs several lines), keeps the last PREFIX_CHARS characters of each
prefix (cut at a line start) so the prompt stays a few hundred tokens, and spreads the picks evenly over each set.
Usage: python3 bench/workloads/make-speculative-workload.py > bench/workloads/speculative-completion.jsonl
"""
import json
import pathlib

PREFIX_CHARS = 1600
PER_SET = 7
SETS = ["python-stdlib", "swift-packages", "javascript"]

root = pathlib.Path(__file__).resolve().parent.parent / "cases"
for name in SETS:
    cases = [json.loads(line) for line in open(root / f"{name}.jsonl") if line.strip()]
    blocks = [c for c in cases if c["kind"] == "block" and len(c["prefix"]) >= 400]
    step = max(1, len(blocks) // PER_SET)
    for case in blocks[::step][:PER_SET]:
        prefix = case["prefix"]
        if len(prefix) > PREFIX_CHARS:
            cut = prefix.find("\n", len(prefix) - PREFIX_CHARS)
            prefix = prefix[cut + 1:] if cut >= 0 else prefix[-PREFIX_CHARS:]
        print(json.dumps({"id": case["id"], "language": case["language"], "path": case["path"], "prompt": prefix}))
