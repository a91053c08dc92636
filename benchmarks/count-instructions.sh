#!/usr/bin/env bash
# GradLint's cost on the benchmark corpus in executed instructions, not seconds: valgrind's cachegrind counts every
# instruction a process runs, which should not move with the machine's load or the hour (wall time here moves ~2.5 %
# by the hour; see benchmarks/README.md). Each side is its own process under cachegrind:
#   sdk 0        the set-up alone (corpus, references, two warm-up compiles that also JIT GradLint's code)
#   sdk 1        the set-up and one compile with the SDK's default analyzers
#   gradlint 1   the set-up and one compile with the SDK's default analyzers and GradLint
# so a compile's count is (side 1) - (sdk 0), and GradLint's ratio (gradlint 1 - sdk 0) / (sdk 1 - sdk 0). Each
# side-1 process runs twice: the two readings' difference is the method's own noise, printed beside the ratio.
#
# The compile runs on one thread (--analyzer-repeat … serial), under workstation non-concurrent GC: valgrind runs one
# thread at a time, so a thread spinning while it waits for another executes instructions that are no work — with
# the compiler's threads, a 250-file compile counted 82 G instructions without GradLint and 126 G with it (1.54x),
# where the same compile on one thread counts 67 G and 71 G (tiering on; 65.0 G and 66.1 G with it off, as below).
#
# Tiering off (DOTNET_TieredCompilation=0, DOTNET_ReadyToRun=0: every method fully optimised by the JIT on first call):
# with tiered JIT two readings of the same side differed by 8 % (promotion runs on timers); with it off, two whole
# processes of the SDK side counted 207.59 G and 207.97 G (benchmarks/README.md, "Counted in instructions").
#
# usage: benchmarks/count-instructions.sh [files=250] [out-dir=/tmp/gradlint-instructions]
# A compile runs ~50-100x slower under valgrind: 250 files take ~25 minutes on two cores.
# What the count is and is not: repeatable to ~0.2 % of a compile, but GradLint's share of instructions (1.018x at 250
# files) is well under its share of time in the same setting (~1.04x), so it does not judge the time goal
# (benchmarks/README.md, "With tiering off").
set -euo pipefail
files="${1:-250}"
out="${2:-/tmp/gradlint-instructions}"
root="$(cd "$(dirname "$0")/.." && pwd)"
command -v valgrind >/dev/null || { echo "valgrind is needed (Debian: apt-get install valgrind)" >&2; exit 2; }
[[ "$files" =~ ^[1-9][0-9]*$ ]] || { echo "files must be a whole number of at least 1, got '$files'" >&2; exit 2; }
dotnet build -c Release "$root/benchmarks/GradLint.Benchmarks" -v q -nologo >/dev/null
bench="$root/benchmarks/GradLint.Benchmarks/bin/Release/net10.0/GradLint.Benchmarks.dll"
mkdir -p "$out"

run() {   # side count tag
  # W^X off: valgrind cannot follow CoreCLR's double-mapped JIT pages. A heap hard limit: the GC's default
  # reservation (256 GiB) is more than valgrind lets a process reserve.
  DOTNET_TieredCompilation=0 DOTNET_ReadyToRun=0 DOTNET_EnableWriteXorExecute=0 DOTNET_GCHeapHardLimit=0x300000000 DOTNET_gcServer=0 DOTNET_gcConcurrent=0 \
    valgrind --tool=cachegrind --cache-sim=no --smc-check=all-non-file --cachegrind-out-file=/dev/null \
    dotnet "$bench" --analyzer-repeat "$1" "$2" "$files" serial >"$out/$3.log" 2>&1
  grep -o "I   refs: *[0-9,]*" "$out/$3.log" | tr -dc '0-9' >"$out/$3.count"
  [[ -s "$out/$3.count" ]] || { echo "no count in $out/$3.log" >&2; exit 1; }
}
export -f run; export bench files out
printf '%s\n' "sdk 0 sdk0" "sdk 1 sdk1" "gradlint 1 gradlint1" "sdk 1 sdk1-again" "gradlint 1 gradlint1-again" |
  xargs -P 2 -L 1 bash -c 'run "$0" "$1" "$2"'

python3 - "$out" "$files" <<'PY'
import sys
out, files = sys.argv[1], sys.argv[2]
n = {k: int(open(f"{out}/{k}.count").read()) for k in ("sdk0", "sdk1", "sdk1-again", "gradlint1", "gradlint1-again")}
sdk = [n[k] - n["sdk0"] for k in ("sdk1", "sdk1-again")]
gl = [n[k] - n["sdk0"] for k in ("gradlint1", "gradlint1-again")]
print(f"// {files} files, one thread; instructions a compile: sdk-default {sdk[0]/1e9:.2f} G / {sdk[1]/1e9:.2f} G, "
      f"+ GradLint {gl[0]/1e9:.2f} G / {gl[1]/1e9:.2f} G")
print(f"+ GradLint over the SDK default analyzers: {sum(gl)/sum(sdk):.4f}x "
      f"(readings {min(g/s for g in gl for s in sdk):.4f}-{max(g/s for g in gl for s in sdk):.4f}x)")
PY
