#!/usr/bin/env python3
"""A CompletionModel served over stdin/stdout by llama.cpp's Python bindings, for `hunch eval --model exec:…`.

Reference runs only: it lets the completion engine be measured with a real model before Hunch's own inference engine
is wired in. One JSON object per line each way:
  {"op": "info"}                      -> {"special": {text: id}, "bos": id or null}
  {"op": "tokenize", "text": s}       -> {"tokens": [...]}            (never special tokens)
  {"op": "detokenize", "tokens": [...]} -> {"text": s}
  {"op": "generate", "prompt": [...], "max_tokens": n, "stop": [...]}
      -> {"piece": s} per token, each answered by {"continue": true|false}
      -> {"done": true, "finish": "stop-token"|"caller"|"max-tokens", "token": id, "tokens": [...],
          "prompt_tokens": n, "reused": n, "prompt_ms": x, "generation_ms": y}
Greedy decoding; the KV cache is reused across requests for the common prompt prefix.

Usage: PYTHONPATH=<dir holding llama_cpp> LLAMA_CPP_LIB_PATH=<lib dir> scripts/llama-cpp-model.py MODEL.gguf [THREADS]
"""
import json
import sys
import time

import llama_cpp


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    llm = llama_cpp.Llama(model_path=sys.argv[1], n_ctx=4096, n_threads=threads, n_batch=512, verbose=False)
    vocab = llama_cpp.llama_model_get_vocab(llm._model.model)
    special = {}
    wanted = llama_cpp.LLAMA_TOKEN_ATTR_CONTROL | llama_cpp.LLAMA_TOKEN_ATTR_USER_DEFINED
    for token in range(llama_cpp.llama_vocab_n_tokens(vocab)):
        if llama_cpp.llama_vocab_get_attr(vocab, token) & wanted:
            special[llama_cpp.llama_vocab_get_text(vocab, token).decode("utf-8", "replace")] = token
    bos = llm.token_bos() if llama_cpp.llama_vocab_get_add_bos(vocab) else None

    def send(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    for line in sys.stdin:
        request = json.loads(line)
        op = request.get("op")
        if op == "info":
            send({"special": special, "bos": bos})
        elif op == "tokenize":
            send({"tokens": llm.tokenize(request["text"].encode("utf-8"), add_bos=False, special=False)})
        elif op == "detokenize":
            send({"text": llm.detokenize(request["tokens"]).decode("utf-8", "replace")})
        elif op == "generate":
            generate(llm, vocab, request, send)
        else:
            send({"error": f"unknown op {op!r}"})
    return 0


def generate(llm, vocab, request, send):
    prompt = request["prompt"]
    stop = set(request.get("stop", []))
    max_tokens = request["max_tokens"]
    reused = 0
    for old, new in zip(llm._input_ids.tolist(), prompt):
        if old != new:
            break
        reused += 1
    reused = min(reused, len(prompt) - 1)
    start = time.time()
    first_token_time = None
    tokens, pending = [], b""
    finish, last = "max-tokens", None
    for token in llm.generate(prompt, top_k=1, top_p=1.0, temp=0.0, repeat_penalty=1.0, reset=True):
        if first_token_time is None:
            first_token_time = time.time()
        if token in stop or llama_cpp.llama_vocab_is_eog(vocab, token):
            finish, last = "stop-token", token
            break
        tokens.append(token)
        pending += llm.detokenize([token])
        try:
            piece = pending.decode("utf-8")
            pending = b""
        except UnicodeDecodeError:
            piece = ""
        send({"piece": piece})
        answer = json.loads(sys.stdin.readline())
        if not answer.get("continue", False):
            finish = "caller"
            break
        if len(tokens) >= max_tokens:
            break
    end = time.time()
    first_token_time = first_token_time or end
    send({
        "done": True, "finish": finish, "token": last, "tokens": tokens, "prompt_tokens": len(prompt),
        "reused": reused, "prompt_ms": (first_token_time - start) * 1000, "generation_ms": (end - first_token_time) * 1000,
    })


if __name__ == "__main__":
    sys.exit(main())
