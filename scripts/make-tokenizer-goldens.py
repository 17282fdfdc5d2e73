#!/usr/bin/env python3
"""Writes the golden token ids of the tokenizer corpus, as llama.cpp itself tokenizes them.

Reads Tests/HunchInferenceTests/Fixtures/tokenizer/corpus.json and, for each model, writes
Tests/HunchInferenceTests/Fixtures/tokenizer/goldens-<model>.json with the ids of every corpus string (no BOS, special
tokens not parsed: text is ordinary text) and of the whole corpus joined by newlines (`document`).

Uses the llama-cpp-python bindings of the local llama.cpp build (bench/build-llama-cpp.sh), vocabulary only:
    python3 scripts/make-tokenizer-goldens.py [--llama-dir ~/.cache/hunch/llama.cpp-0.3.36] [--models-dir ...]
The bindings import numpy and diskcache (pip install diskcache).
"""
import argparse
import hashlib
import json
import os
import sys
import tempfile

MODELS = ["qwen2.5-coder-0.5b", "smollm2-135m"]
# llama_token_attr bits (llama.h)
ATTR_NORMAL = 1 << 2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "HunchInferenceTests", "Fixtures", "tokenizer")


def import_bindings(llama_dir):
    """The build puts the bindings in <llama_dir>/python; they import as a package named llama_cpp."""
    os.environ.setdefault("LLAMA_CPP_LIB_PATH", os.path.join(llama_dir, "lib"))
    shim = tempfile.mkdtemp(prefix="llama-bindings-")
    os.symlink(os.path.join(llama_dir, "python"), os.path.join(shim, "llama_cpp"))
    sys.path.insert(0, shim)
    import llama_cpp  # noqa: E402
    from llama_cpp import Llama  # noqa: E402
    return llama_cpp, Llama


def main():
    home = os.path.expanduser("~")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--llama-dir", default=os.path.join(home, ".cache/hunch/llama.cpp-0.3.36"))
    parser.add_argument("--models-dir", default=os.path.join(home, ".cache/hunch/models"))
    args = parser.parse_args()

    llama_cpp, Llama = import_bindings(args.llama_dir)
    corpus_path = os.path.join(FIXTURES, "corpus.json")
    with open(corpus_path, "rb") as f:
        corpus_bytes = f.read()
    strings = [entry["text"] for entry in json.loads(corpus_bytes)["strings"]]
    document = "\n".join(strings)

    for name in MODELS:
        model = Llama(os.path.join(args.models_dir, name + ".gguf"), vocab_only=True, verbose=False)

        def tokenize(text):
            ids = model.tokenize(text.encode("utf-8"), add_bos=False, special=False)
            # Corpus text is ordinary text: llama.cpp still matches user-defined tokens (e.g. <tool_call>) when
            # special=False, which Hunch deliberately does not, so such strings do not belong in the corpus.
            odd = [i for i in ids if not model._model.token_get_attr(i) & ATTR_NORMAL]
            if odd:
                sys.exit(f"{name}: {text!r} tokenizes to non-normal tokens {odd}; take it out of the corpus")
            return ids

        goldens = {
            "model": name,
            "made_by": f"llama.cpp via llama-cpp-python {llama_cpp.__version__}, add_bos=False, special=False",
            "corpus_sha256": hashlib.sha256(corpus_bytes).hexdigest(),
            "ids": [tokenize(text) for text in strings],
            "document": tokenize(document),
        }
        out = os.path.join(FIXTURES, f"goldens-{name}.json")
        with open(out, "w", encoding="utf-8") as f:
            f.write("{\n")
            for key in ("model", "made_by", "corpus_sha256"):
                f.write(f" {json.dumps(key)}: {json.dumps(goldens[key])},\n")
            f.write(' "ids": [\n')
            f.write(",\n".join("  " + json.dumps(ids, separators=(",", ":")) for ids in goldens["ids"]))
            f.write("\n ],\n")
            f.write(f' "document": {json.dumps(goldens["document"], separators=(",", ":"))}\n}}\n')
        print(f"{name}: {len(strings)} strings, document of {len(goldens['document'])} tokens -> {out}")


if __name__ == "__main__":
    main()
