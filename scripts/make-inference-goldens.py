#!/usr/bin/env python3
"""Golden outputs for the inference tests, produced by llama.cpp itself (the llama-cpp-python bindings of the build
that bench/build-llama-cpp.sh makes, with the same GGUF files Hunch reads).

For each model: the token ids of every prompt in prompts.json, its greedy continuation of 32 tokens (no BOS, as both
model files say add_bos_token = false), and, for the teacher-forced check, the reference's top-1 token and the
log-likelihood of the actual next token at every position of a 512-token code text.

  scripts/make-inference-goldens.py              # 0.5B and 135M -> <model>.json
  scripts/make-inference-goldens.py --all        # also the 1.5B model
  scripts/make-inference-goldens.py --one-token  # -> <model>.onetoken.json (see below)
  scripts/make-inference-goldens.py --model=smollm2-135m   # one model only (repeatable)

Default goldens evaluate a prompt in one batch of up to 512 tokens, as llama.cpp normally runs. llama.cpp's numbers
depend on the batch size: from two rows up it multiplies through tinyBLAS (llamafile_sgemm), from eight rows through
its tiled K-quant kernels, and by default it repacks Q4_K/Q4_0 weights into interleaved layouts with their own
kernels. --one-token takes its plain per-row path everywhere: n_batch = n_ubatch = 1 (tinyBLAS declines a single
row; that check is the only way to avoid it, as LLAMAFILE is a build option), use_extra_bufts = false (no weight
repacking) and GGML_CPU_TILED_MM=0. Every dot product is then ggml's vec_dot for the weight type.
"""
import json, os, subprocess, sys

one_token = "--one-token" in sys.argv
if one_token:
    os.environ["GGML_CPU_TILED_MM"] = "0"  # read once by ggml-cpu, so it must be set before the library loads

here = os.path.dirname(os.path.abspath(__file__))
fixtures = os.path.join(here, "..", "Tests", "HunchInferenceTests", "Fixtures", "generation")
root = subprocess.check_output([os.path.join(here, "..", "bench", "build-llama-cpp.sh")], text=True).strip()
os.environ["LLAMA_CPP_LIB_PATH"] = os.path.join(root, "lib")
shim = os.path.join(root, "pythonpath")
os.makedirs(shim, exist_ok=True)
if not os.path.exists(os.path.join(shim, "llama_cpp")):
    os.symlink(os.path.join(root, "python"), os.path.join(shim, "llama_cpp"))
sys.path.insert(0, shim)

import numpy as np  # noqa: E402
from llama_cpp import Llama  # noqa: E402
import llama_cpp.llama_cpp as bindings  # noqa: E402

if one_token:
    # Llama() takes no switch for weight repacking; it starts from llama_model_default_params(), so wrap that.
    default_model_params = bindings.llama_model_default_params

    def model_params_without_repacking():
        params = default_model_params()
        params.use_extra_bufts = False
        return params

    bindings.llama_model_default_params = model_params_without_repacking
batch = 1 if one_token else 512
suffix = ".onetoken.json" if one_token else ".json"

cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
models = ["qwen2.5-coder-0.5b", "smollm2-135m"] + (["qwen2.5-coder-1.5b"] if "--all" in sys.argv else [])
models = [a.split("=", 1)[1] for a in sys.argv if a.startswith("--model=")] or models
prompts = json.load(open(os.path.join(fixtures, "prompts.json")))
teacher_text = open(os.path.join(fixtures, "teacher.txt"), encoding="utf-8").read()


def log_softmax(row):
    m = row.max()
    return row - m - np.log(np.exp(row - m).sum())


for name in models:
    path = os.path.join(cache, "hunch", "models", name + ".gguf")
    # One token at a time, ggml's results do not depend on the thread count (each output row is one thread's dot
    # product); one thread avoids its threads spinning at every barrier on a busy machine.
    llm = Llama(model_path=path, n_ctx=1024, n_batch=batch, n_ubatch=batch, n_threads=1 if one_token else 2,
                logits_all=True, verbose=False)
    out = {"model": name, "reference": {"n_batch": batch, "n_ubatch": batch, "use_extra_bufts": not one_token,
                                        "tiled_mm": not one_token}, "continuations": []}
    for prompt in prompts:
        ids = llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=False)
        llm.reset()
        llm.eval(ids)
        generated = []
        for _ in range(32):
            token = int(np.argmax(llm.scores[llm.n_tokens - 1]))
            generated.append(token)
            llm.eval([token])
        out["continuations"].append({"prompt": ids, "greedy": generated})
    ids = llm.tokenize(teacher_text.encode("utf-8"), add_bos=False, special=False)[:513]
    llm.reset()
    llm.eval(ids)
    top1, loglik = [], []
    for pos in range(len(ids) - 1):
        row = np.array(llm.scores[pos], dtype=np.float64)
        top1.append(int(np.argmax(row)))
        loglik.append(round(float(log_softmax(row)[ids[pos + 1]]), 5))
    out["teacher"] = {"tokens": ids, "top1": top1, "loglik": loglik}
    with open(os.path.join(fixtures, name + suffix), "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print(name, "done:", len(prompts), "prompts,", len(ids), "teacher tokens", file=sys.stderr)
