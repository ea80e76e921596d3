#!/usr/bin/env bash
# The memory-safety run (`npm run test:asan`): build the addon with
# AddressSanitizer and UndefinedBehaviorSanitizer, run the vitest suite on it,
# then replay the fuzz corpus (scripts/fuzz.sh --corpus).
#
#   scripts/asan.sh [vitest arguments…]   e.g. scripts/asan.sh test/native
#
# The sanitized addon is built by node-gyp from a copy of binding.gyp with the
# sanitizer flags added, in build-sanitizers/asan/ (ignored by git), so
# build/Release — what everything else loads — is left untouched. Node itself
# is not sanitized, so gcc's ASan runtime is preloaded (LD_PRELOAD) into
# vitest and its workers; scripts/asan-preload.cjs, required into every
# worker, hands them the sanitized build whenever the engine is loaded and
# keeps the runtime and the sanitized build away from the programs the tests
# start (those run as in CI). Leak detection is off (Node frees little at
# exit by design). Sanitizer reports go to files in
# build-sanitizers/asan/reports/; the run is clean when the suite passes and
# no report was written about the addon.
#
# Backends: both, netlink then procfs as CI runs them, unless NETSTAT_BACKEND
# names one. Exit status: 0 clean, 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
out=$repo/build-sanitizers/asan
reports=$out/reports
mkdir -p "$out"
[ -f build-sanitizers/.gitignore ] || echo '*' >build-sanitizers/.gitignore
started=$(date +%s)

# 1. The addon, from binding.gyp with sources re-rooted and sanitizer flags.
node -e '
  const fs = require("fs"), path = require("path");
  const [repo, out] = process.argv.slice(1);
  const gyp = JSON.parse(fs.readFileSync(path.join(repo, "binding.gyp"), "utf8"));
  const sanitize = ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined", "-fno-omit-frame-pointer", "-g", "-O1"];
  for (const target of gyp.targets) {
    target.sources = target.sources.map((s) => path.relative(out, path.join(repo, s)));
    target.cflags = [...(target.cflags ?? []), ...sanitize];
    target.cflags_cc = [...(target.cflags_cc ?? []), ...sanitize];
    target.ldflags = [...(target.ldflags ?? []), "-fsanitize=address,undefined"];
  }
  fs.writeFileSync(path.join(out, "binding.gyp"), JSON.stringify(gyp, null, 2) + "\n");
' "$repo" "$out" || exit 1
echo "=== building the ASan+UBSan addon in $out"
if ! npx node-gyp rebuild --directory "$out" >"$out/build.log" 2>&1; then
  tail -n 30 "$out/build.log"
  echo "ASan build failed"
  exit 1
fi
addon=$out/build/Release/netstat_native.node

# The runtime must be the one the compiler linked against (g++ here, as node-gyp uses).
libasan=$(${CXX:-g++} -print-file-name=libasan.so)
if [ ! -e "$libasan" ]; then
  echo "no libasan.so for ${CXX:-g++} (Debian: apt-get install libasan8 or g++)"
  exit 1
fi

npm run build >/dev/null || { echo "npm run build failed"; exit 1; }

rm -rf "$reports"
mkdir -p "$reports"
export NETSTAT_REQUIRE_NATIVE=1
export SANITIZED_NETSTAT_ADDON=$addon
export ASAN_OPTIONS="detect_leaks=0:log_path=$reports/asan:print_summary=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan"
preload=$repo/scripts/asan-preload.cjs

# The workers must really run the sanitized addon: load the engine as they do and look at the mappings.
if ! LD_PRELOAD=$libasan node --require "$preload" -e '
  const outcome = require("./dist/native").loadNative();
  const maps = require("fs").readFileSync("/proc/self/maps", "utf8");
  if (!("binding" in outcome) || !maps.includes(process.argv[1])) {
    console.error("the sanitized addon was not loaded:", JSON.stringify(outcome));
    process.exit(1);
  }
' "$addon"; then
  exit 1
fi

# The preload goes into every worker through a config of our own that
# extends the repository's: vitest's --execArgv reaches only a config's own
# root project, not the projects of vitest.config.mts (they inherit from the
# config file).
cat >"$out/vitest.config.mts" <<CONFIG
import { mergeConfig } from 'vitest/config';
import base from '$repo/vitest.config.mts';
export default mergeConfig(base, { root: '$repo', test: { execArgv: ['--require=$preload'] } });
CONFIG

status=0
backends=${NETSTAT_BACKEND:-netlink procfs}
for backend in $backends; do
  echo "=== vitest with NETSTAT_BACKEND=$backend, ASan+UBSan addon"
  # Each load of the sanitized addon by a worker adds a line here (asan-preload.cjs).
  loads=$out/loads-$backend
  rm -f "$loads"
  # The RSS bounds of test/reliability/memory.test.ts do not hold under ASan
  # (its quarantine keeps freed memory, its shadow maps more): left out here.
  if ! NETSTAT_BACKEND=$backend LD_PRELOAD=$libasan SANITIZED_NETSTAT_LOADS=$loads npx vitest run --config "$out/vitest.config.mts" --exclude test/reliability/memory.test.ts "$@"; then
    status=1
  fi
  if [ -s "$loads" ]; then
    echo "=== the workers loaded the sanitized addon $(wc -l <"$loads") time(s)"
  else
    echo "=== FAILED: no worker loaded the sanitized addon (did the preload reach them?)"
    status=1
  fi
done

# 2. The fuzz corpus, through the fuzzer's own sanitized build.
if bash scripts/fuzz.sh --check >/dev/null; then
  bash scripts/fuzz.sh --corpus || status=1
else
  echo "=== fuzz corpus not replayed: $(bash scripts/fuzz.sh --check)"
fi

# 3. Reports: those of our addon are findings; others (a preloaded runtime
# complaining about an unsanitized program) are listed but do not fail the run.
findings=0
for report in "$reports"/*; do
  [ -e "$report" ] || continue
  if grep -q -e netstat_native -e 'native/[a-z_]*\.cc' "$report"; then
    echo "=== FINDING: $report"
    cat "$report"
    findings=$((findings + 1))
  else
    echo "=== report not about the addon: $report ($(grep -m1 -o 'ERROR: [A-Za-z]*Sanitizer: [a-z-]*' "$report" || head -c 120 "$report"))"
  fi
done
[ "$findings" -eq 0 ] || status=1
echo "=== test:asan finished in $(($(date +%s) - started)) s: $findings sanitizer finding(s) in the addon, suite $([ "$status" -eq 0 ] && echo clean || echo FAILED)"
exit "$status"
