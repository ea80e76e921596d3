#!/usr/bin/env bash
# Fuzz the native engine's byte decoders (native/fuzz/fuzz_decode.cc: the
# netlink walk, the inet, both-families, streamed, compact and UNIX packers, destroy
# notifications, program names) and its BTF reader with libFuzzer, under
# AddressSanitizer and UndefinedBehaviorSanitizer.
#
#   scripts/fuzz.sh            build, then replay the corpus and fuzz for FUZZ_SECONDS (default 60)
#   scripts/fuzz.sh --corpus   build, then only replay the corpus (every input once)
#   scripts/fuzz.sh --check    say whether clang and libFuzzer are here (exit 1 if not), build nothing
#
# Needs clang++ and libFuzzer (Debian: packages clang and libclang-rt-dev).
# Everything goes to build-sanitizers/fuzz/ (ignored by git; node-gyp's
# build/ is left alone): the binary, the seeds, the corpus libFuzzer grows
# there across runs, and crash-* inputs if it finds any. Seeds are the
# recorded dumps of fixtures/netlink/ (whole recordings and each datagram-
# sized prefix) and the committed regression inputs of fixtures/fuzz-corpus/.
# Exit status: 0 clean; libFuzzer's (non-zero) when an input crashed, leaked
# a non-SystemError exception, broke a checked contract or hit a sanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
# The fuzzer carries its own (clang) ASan runtime: a preloaded one, such as
# scripts/asan.sh's gcc libasan for node, must not reach it or the compiler.
unset LD_PRELOAD

mode=fuzz
case "${1:-}" in
  --corpus) mode=corpus ;;
  --check) mode=check ;;
  "") ;;
  *) echo "usage: scripts/fuzz.sh [--corpus|--check]" >&2; exit 2 ;;
esac

cxx=${CXX_FUZZ:-clang++}
if ! command -v "$cxx" >/dev/null; then
  echo "no $cxx: install clang and libFuzzer (apt-get install clang libclang-rt-dev)"
  exit 1
fi
runtime_dir=$("$cxx" --print-runtime-dir 2>/dev/null || true)
if ! ls "$runtime_dir"/libclang_rt.fuzzer*.a >/dev/null 2>&1; then
  echo "no libFuzzer runtime in ${runtime_dir:-the clang runtime directory}: install libclang-rt-dev"
  exit 1
fi
if [ "$mode" = check ]; then
  echo "clang and libFuzzer found ($runtime_dir)"
  exit 0
fi

out=build-sanitizers/fuzz
mkdir -p "$out/seeds" "$out/corpus" "$out/crashes"
# Keep the whole output directory out of git without touching .gitignore.
[ -f build-sanitizers/.gitignore ] || echo '*' >build-sanitizers/.gitignore

# The decoders and what they link; binding.cc (N-API) is not among them.
sources=(native/fuzz/fuzz_decode.cc native/sock_diag.cc native/netlink.cc native/netns.cc native/destroy_monitor.cc native/dump_check.cc native/proc_fds.cc native/btf.cc)
binary=$out/fuzz_decode
stale=0
[ -x "$binary" ] || stale=1
for file in "${sources[@]}" native/*.h; do
  [ "$file" -nt "$binary" ] && stale=1
done
if [ "$stale" -eq 1 ]; then
  echo "=== building $binary"
  "$cxx" -std=c++17 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror -pthread \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    "${sources[@]}" -o "$binary.tmp"
  mv "$binary.tmp" "$binary"
fi

# Seeds: each recording whole, and cut at every message boundary (a dump
# broken off mid-batch, the way a datagram ends), so mutation starts from
# real inet_diag/unix_diag messages of every kind recorded.
node -e '
  const fs = require("fs"), path = require("path");
  const [dir, out] = process.argv.slice(1);
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith(".bin"))) {
    const bytes = fs.readFileSync(path.join(dir, name));
    fs.writeFileSync(path.join(out, name), bytes);
    let offset = 0, cut = 0;
    while (offset + 16 <= bytes.length) {
      const length = bytes.readUInt32LE(offset);
      if (length < 16) break;
      offset += (length + 3) & ~3;
      if (offset < bytes.length && cut++ % 4 === 0) fs.writeFileSync(path.join(out, `${name}.${offset}`), bytes.subarray(0, offset));
    }
  }
' fixtures/netlink "$out/seeds"

inputs=("$out/corpus" "$out/seeds")
[ -d fixtures/fuzz-corpus ] && inputs+=(fixtures/fuzz-corpus)

common=(-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$out/crashes/" -print_final_stats=1)
# Our own options, whatever the caller's environment says (scripts/asan.sh sets others for node).
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if [ "$mode" = corpus ]; then
  # -runs=0: load (and so run) every input once, fuzz nothing.
  echo "=== replaying the corpus: ${inputs[*]}"
  "$binary" "${common[@]}" -runs=0 "${inputs[@]}"
else
  seconds=${FUZZ_SECONDS:-60}
  echo "=== fuzzing for ${seconds}s from ${inputs[*]}"
  "$binary" "${common[@]}" -max_total_time="$seconds" "${inputs[@]}"
fi
echo "=== fuzz_decode: clean"
