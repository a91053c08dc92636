#!/usr/bin/env bash
# GradLint's cost on the benchmark corpus in executed instructions, not seconds: valgrind's cachegrind counts every
# instruction a process runs, which does not move with the machine's load or the hour (wall time here moves ~2.5 %
# by the hour; see benchmarks/README.md). Each side is its own process, run under cachegrind:
#   sdk 0        the set-up alone (corpus, references, two warm-up compiles that also JIT GradLint's code)
#   sdk 1        the set-up and one compile with the SDK's default analyzers
#   gradlint 1   the set-up and one compile with the SDK's default analyzers and GradLint
# so a compile's count is (side 1) - (sdk 0), and GradLint's ratio (gradlint 1 - sdk 0) / (sdk 1 - sdk 0).
# "sdk 1" runs twice: the two readings' difference is the method's own noise, printed beside the ratio.
#
# usage: benchmarks/count-instructions.sh [files=250] [out-dir=/tmp/gradlint-instructions]
# A compile runs ~70x slower under valgrind: 250 files take ~20 minutes on two cores, 1,000 files over an hour.
set -euo pipefail
files="${1:-250}"
out="${2:-/tmp/gradlint-instructions}"
root="$(cd "$(dirname "$0")/.." && pwd)"
command -v valgrind >/dev/null || { echo "valgrind is needed (Debian: apt-get install valgrind)" >&2; exit 2; }
dotnet build -c Release "$root/benchmarks/GradLint.Benchmarks" -v q -nologo >/dev/null
bench="$root/benchmarks/GradLint.Benchmarks/bin/Release/net10.0/GradLint.Benchmarks.dll"
mkdir -p "$out"

run() {   # side count tag
  # W^X off: valgrind cannot follow CoreCLR's double-mapped JIT pages. A heap hard limit: server GC's default
  # reservation (256 GiB) exceeds what valgrind lets a process reserve. Server GC itself, as the compiler runs.
  DOTNET_EnableWriteXorExecute=0 DOTNET_GCHeapHardLimit=0x300000000 DOTNET_gcServer=1 \
    valgrind --tool=cachegrind --cache-sim=no --smc-check=all-non-file --cachegrind-out-file=/dev/null \
    dotnet "$bench" --analyzer-repeat "$1" "$2" "$files" >"$out/$3.log" 2>&1
  grep -o "I   refs: *[0-9,]*" "$out/$3.log" | tr -dc '0-9' >"$out/$3.count"
}
export -f run; export bench files out
printf '%s\n' "sdk 1 sdk1" "gradlint 1 gradlint1" "sdk 0 sdk0" "sdk 1 sdk1-again" |
  xargs -P 2 -L 1 bash -c 'run "$0" "$1" "$2"'

python3 - "$out" "$files" <<'PY'
import sys
out, files = sys.argv[1], sys.argv[2]
n = {k: int(open(f"{out}/{k}.count").read()) for k in ("sdk0", "sdk1", "sdk1-again", "gradlint1")}
sdk = (n["sdk1"] + n["sdk1-again"]) / 2 - n["sdk0"]
gl = n["gradlint1"] - n["sdk0"]
noise = abs(n["sdk1"] - n["sdk1-again"]) / sdk
print(f"// {files} files; instructions a compile: sdk-default {sdk/1e9:.2f} G, + GradLint {gl/1e9:.2f} G")
print(f"+ GradLint over the SDK default analyzers: {gl/sdk:.4f}x (two readings of sdk-default differ by {noise*100:.2f} %)")
PY
