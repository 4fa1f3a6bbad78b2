#!/usr/bin/env bash
# Builds every libFuzzer target in fuzz/Targets into .build-fuzz/ and runs each for a fixed
# number of executions. Exits non-zero when any target crashes, times out, runs out of memory or
# leaks — or when a saved reproducer in fuzz/regressions/<target>/ still fails.
#
# Usage: fuzz/run.sh [executions] [target...]
#   executions  per target (default 200000)
#   target      file names in fuzz/Targets without .swift (default: all)
# Environment: FUZZ_SEED (libFuzzer -seed, default 1), FUZZ_TIMEOUT (seconds per input, default 5),
#   FUZZ_RSS_MB (default 2048), FUZZ_JOBS (swiftc threads, default nproc).
#
# How it builds: each package module a target needs (its `// modules:` line) is compiled by
# swiftc straight from Sources/<Module> into a static library with -sanitize=fuzzer,address
# (coverage + ASan) and -enable-testing, so targets can `@testable import` module internals.
# A target is fuzz/Support/*.swift plus its own file, linked against those libraries and
# libFuzzer. No SwiftPM: a fuzz executable would have to be a target in Package.swift (with
# `swift test` and CI building it); this way the package does not know about fuzz/ at all.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/.build-fuzz"
runs=${1:-200000}
shift || true
seed=${FUZZ_SEED:-1}
timeout=${FUZZ_TIMEOUT:-5}
rss=${FUZZ_RSS_MB:-2048}
jobs=${FUZZ_JOBS:-$(nproc)}

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for file in "$root"/fuzz/Targets/*.swift; do targets+=("$(basename "$file" .swift)"); done
fi

swift_flags=(-swift-version 6 -enable-upcoming-feature ExistentialAny -enable-upcoming-feature InternalImportsByDefault
             -enable-upcoming-feature MemberImportVisibility -O -sanitize=fuzzer,address -parse-as-library
             -use-ld=lld -I "$out/modules" -I "$root/Sources/CCurl/include")
mkdir -p "$out/modules" "$out/lib" "$out/bin"

# The value of a `// key: value` line in a target's header.
header() { sed -n "s|^// $2: ||p" "$root/fuzz/Targets/$1.swift" | head -1; }

# Dependencies of the package's modules (as in Package.swift).
module_deps() {
    case "$1" in
        CCurl | Primitives) ;;
        JSONRPC) echo Primitives ;;
        Transport) echo JSONRPC Primitives ;;
        HTTP) echo CCurl Primitives ;;
        Upstream) echo JSONRPC Primitives HTTP ;;
        Server) echo JSONRPC Primitives Transport HTTP Upstream ;;
        *) echo "fuzz/run.sh: unknown module $1" >&2; exit 2 ;;
    esac
}

# Compiles Sources/<module> (after its dependencies) unless its library is newer than every input.
declare -A built=()
build_module() {
    local module=$1 dep stale=0
    [ -n "${built[$module]:-}" ] && return 0
    for dep in $(module_deps "$module"); do build_module "$dep"; done
    local lib="$out/lib/lib$module.a"
    if [ ! -f "$lib" ] || [ -n "$(find "$root/Sources/$module" -type f -newer "$lib" | head -1)" ]; then stale=1; fi
    for dep in $(module_deps "$module"); do [ "$out/lib/lib$dep.a" -nt "$lib" ] && stale=1; done
    if [ $stale -eq 1 ] && [ "$module" = CCurl ]; then
        # The one C module: compiled with clang; Swift finds it through its module map.
        echo "building module $module"
        clang -O1 -fsanitize=fuzzer-no-link,address -c "$root/Sources/CCurl/CCurl.c" -I "$root/Sources/CCurl/include" \
            -o "$out/lib/CCurl.o"
        rm -f "$lib" && ar rcs "$lib" "$out/lib/CCurl.o"
    elif [ $stale -eq 1 ]; then
        echo "building module $module"
        local sources=()
        mapfile -t sources < <(find "$root/Sources/$module" -name '*.swift' | sort)
        swiftc "${swift_flags[@]}" -enable-testing -wmo -num-threads "$jobs" -module-name "$module" \
            -emit-library -static -emit-module -emit-module-path "$out/modules/$module.swiftmodule" \
            -o "$lib" "${sources[@]}"
    fi
    built[$module]=1
}

# The modules given and all they depend on.
closure() { local module; for module in "$@"; do echo "$module"; closure $(module_deps "$module"); done; }

build_target() {
    local target=$1 module libs=() needed
    local binary="$out/bin/$target" input
    local inputs=("$root"/fuzz/Support/*.swift "$root/fuzz/Targets/$target.swift" "$root/fuzz/run.sh")
    needed=$(closure $(header "$target" modules) | sort -u)
    # Static libraries go dependants first.
    for module in Server Upstream HTTP CCurl Transport JSONRPC Primitives; do
        grep -qx "$module" <<<"$needed" || continue
        build_module "$module"
        libs+=(-l"$module")
        inputs+=("$out/lib/lib$module.a")
    done
    local stale=0
    for input in "${inputs[@]}"; do [ "$input" -nt "$binary" ] && stale=1; done
    [ $stale -eq 0 ] && return 0
    echo "building target $target"
    swiftc "${swift_flags[@]}" -warnings-as-errors -module-name "Fuzz_$target" -L "$out/lib" "${libs[@]}" \
        -lFoundation -lFoundationEssentials -ldispatch -lswiftDispatch -lBlocksRuntime -ldl \
        "$root"/fuzz/Support/*.swift "$root/fuzz/Targets/$target.swift" -o "$out/bin/$target"
}

echo "seeds and dictionaries from protocol/"
rm -rf "$out/seeds" "$out/dict"
python3 "$root/fuzz/seeds.py" "$root" "$out"

# Files the `message` target's methods may read: it runs in this directory.
sandbox="$out/sandbox"
mkdir -p "$sandbox/dir"
printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1\x08\x06\0\0\0\x1f\x15\xc4\x89' > "$sandbox/tiny.png"
printf 'ID3\x03\0\0\0\0\0\0' > "$sandbox/tiny.mp3"

# Let a failed check trap at once: the Swift backtracer's memory reads trip ASan.
export SWIFT_BACKTRACE=enable=no
# ASan records the stack of every allocation by default, which made allocation-heavy targets
# several times slower; without it a report still shows where a bad access happened (replay an
# input with ASAN_OPTIONS= to see where the memory was allocated and freed, too).
export ASAN_OPTIONS=${ASAN_OPTIONS-malloc_context_size=0}
# Temporary files (the multipart target's forms and bodies): in memory when /dev/shm is there
# (on a disk, ext4's flush of a file truncated and rewritten made that target I/O-bound), else in
# the build folder. Removed at the end.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    export TMPDIR="/dev/shm/switchboard-fuzz-$$"
else
    export TMPDIR="$out/tmp"
fi
rm -rf "$TMPDIR"
mkdir -p "$TMPDIR"
trap 'rm -rf "$TMPDIR"' EXIT

status=0
results=()
for target in "${targets[@]}"; do
    build_target "$target"
    binary="$out/bin/$target"
    artifacts="$out/artifacts/$target"
    corpus="$out/corpus/$target"
    log="$out/logs/$target.log"
    rm -rf "$corpus" "$artifacts" "$artifacts-regressions"
    mkdir -p "$corpus" "$artifacts" "$artifacts-regressions" "$out/logs"
    options=(-timeout="$timeout" -rss_limit_mb="$rss" -max_len="$(header "$target" max_len)" -seed="$seed"
             -print_final_stats=1 -artifact_prefix="$artifacts/")
    dict=$(header "$target" dict)
    [ -n "$dict" ] && options+=(-dict="$out/dict/$dict.dict")
    # A target's own libFuzzer flags (its `// flags:` line).
    read -r -a extra <<<"$(header "$target" flags)"
    options+=("${extra[@]}")

    # Saved reproducers first: each is run once and must pass.
    regressions=()
    if [ -d "$root/fuzz/regressions/$target" ]; then
        mapfile -t regressions < <(find "$root/fuzz/regressions/$target" -type f | sort)
    fi
    regression_failures=0
    rm -f "$log.regressions"
    for input in "${regressions[@]}"; do
        if ! (cd "$sandbox" && "$binary" "${options[@]}" -artifact_prefix="$artifacts-regressions/" "$input") \
            >"$log.regression" 2>&1; then
            echo "REGRESSION $target: ${input#"$root/"} still fails:"
            grep -m1 -E "fuzz invariant failed|ERROR: AddressSanitizer|ERROR: LeakSanitizer|Fatal error" "$log.regression" | cut -c1-400 || true
            regression_failures=$((regression_failures + 1))
        fi
        cat "$log.regression" >>"$log.regressions"
    done
    rm -f "$log.regression"

    seed_dirs=()
    for dir in "$out/seeds/$target" "$root/fuzz/seeds/$target"; do [ -d "$dir" ] && seed_dirs+=("$dir"); done
    echo "fuzzing $target: $runs executions"
    started=$(date +%s.%N)
    set +e
    # CPU time as well as wall time: on a machine shared with other work, executions per CPU
    # second say how fast a target is; executions per wall second also say how busy the machine was.
    timer=()
    [ -x /usr/bin/time ] && timer=(/usr/bin/time -f "%U %S" -o "$log.cpu")
    (cd "$sandbox" && "${timer[@]}" "$binary" "${options[@]}" -runs="$runs" "$corpus" "${seed_dirs[@]}") >"$log" 2>&1
    code=$?
    set -e
    seconds=$(awk "BEGIN { print $(date +%s.%N) - $started }")
    cpu=$( [ -f "$log.cpu" ] && awk 'END { print $1 + $2 }' "$log.cpu" || echo 0)
    executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    peak=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
    coverage=$(sed -n 's/^#[0-9]*.* cov: \([0-9]*\) .*/\1/p' "$log" | tail -1)
    findings=$(find "$artifacts" -type f | wc -l)
    if [ $code -ne 0 ] || [ "$findings" -ne 0 ] || [ $regression_failures -ne 0 ]; then
        status=1
        echo "FAILED $target (exit $code); log: $log"
        grep -E "^==[0-9]+==ERROR|fuzz invariant failed|Fatal error|SUMMARY|^artifact_prefix|Test unit written" "$log" | head -20 || true
    fi
    per_second=$(awk "BEGIN { print ${executed:-0} / ($seconds > 0 ? $seconds : 1) }")
    per_cpu_second=$(awk "BEGIN { print ($cpu > 0 ? ${executed:-0} / $cpu : 0) }")
    results+=("$(printf '%-10s %12s %10.1f %10.1f %8.0f %8.0f %12s %9s %9s %12s' "$target" "${executed:-?}" "$seconds" "$cpu" \
        "$per_second" "$per_cpu_second" "${peak:-?}" "${coverage:-?}" "$findings" "$regression_failures/${#regressions[@]}")")
done

echo
printf '%-10s %12s %10s %10s %8s %8s %12s %9s %9s %12s\n' target executions seconds cpu_s exec/s exec/cpu_s peak_rss_mb coverage \
    findings regressions
printf '%s\n' "${results[@]}"
exit $status
