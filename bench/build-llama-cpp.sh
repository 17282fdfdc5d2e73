#!/usr/bin/env bash
# Builds llama.cpp, our reference for correctness and speed, from llama-cpp-python's source distribution
# (it vendors the full llama.cpp tree) with an offline cmake build. Cached outside the repo; a second run is instant.
#
#   bench/build-llama-cpp.sh          # prints the folder that holds bin/ (llama-bench, llama-server, llama-tokenize)
#                                     # and lib/ (libllama.so) and python/ (the llama_cpp bindings)
# Environment: HUNCH_LLAMA_CPP_DIR overrides the cache folder.
set -euo pipefail
version=0.3.36
root="${HUNCH_LLAMA_CPP_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hunch/llama.cpp-$version}"
if [ -x "$root/bin/llama-bench" ] && [ -x "$root/bin/llama-server" ] && [ -f "$root/lib/libllama.so" ]; then
  echo "$root"
  exit 0
fi
# Reading the source distribution's metadata takes its build backend, which looks for cmake.
if ! command -v cmake >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cmake >&2
  else
    echo "llama.cpp builds with cmake: sudo apt-get install cmake" >&2
    exit 1
  fi
fi
python3 -c "import scikit_build_core" 2>/dev/null || python3 -m pip install --quiet scikit-build-core >&2
mkdir -p "$root/src"
cd "$root/src"
if [ ! -d "llama_cpp_python-$version" ]; then
  python3 -m pip download --quiet --no-deps --no-binary :all: --no-build-isolation "llama-cpp-python==$version" -d . >&2 \
    || python3 -m pip download --quiet --no-deps --no-binary :all: "llama-cpp-python==$version" -d . >&2
  tar xzf "llama_cpp_python-$version.tar.gz"
fi
src="$root/src/llama_cpp_python-$version/vendor/llama.cpp"
cmake -S "$src" -B "$root/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DLLAMA_CURL=OFF \
  -DGGML_NATIVE=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON >&2
cmake --build "$root/build" -j "$(nproc)" --target llama-bench llama-server llama-tokenize llama >&2
mkdir -p "$root/bin" "$root/lib"
cp "$root/build/bin/llama-bench" "$root/build/bin/llama-server" "$root/build/bin/llama-tokenize" "$root/bin/"
find "$root/build" -name '*.so*' -exec cp -P {} "$root/lib/" \;
rm -rf "$root/python" && cp -r "$root/src/llama_cpp_python-$version/llama_cpp" "$root/python"
echo "$root"
