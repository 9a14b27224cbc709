#!/usr/bin/env bash
# run.sh runs the Go micro-benchmarks of the request path (http1's parser,
# engine's whole in-memory path, the date cache and the router) on one
# pinned core and summarizes them with benchstat beside the previous run's,
# so that a change can be compared with the one before it. Raw results go to
# bench/results/raw/micro-*.txt (git-ignored).
#
# Environment: COUNT (runs of each benchmark, default 10), BENCHTIME
# (default 1s), CPU (core to pin to, default the last one), OLD (a raw file
# to compare with instead of the previous run).
set -euo pipefail
cd "$(dirname "$0")"
export PATH="/usr/local/go/bin:$PATH"
export PATH="$PATH:$(go env GOPATH)/bin"

count=${COUNT:-10}
benchtime=${BENCHTIME:-1s}
cpu=${CPU:-$(($(nproc) - 1))}

if ! command -v benchstat >/dev/null; then
	go install golang.org/x/perf/cmd/benchstat@latest
fi
command -v taskset >/dev/null || { echo "run.sh: taskset (util-linux) is missing" >&2; exit 1; }

raw=$(cd ../results && pwd)/raw
mkdir -p "$raw"
old=${OLD:-$(ls -1 "$raw"/micro-*.txt 2>/dev/null | sort | tail -n 1 || true)}
out="$raw/micro-$(date -u +%Y%m%dT%H%M%SZ).txt"
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT

# Build first, so that compiling is neither pinned nor timed. Each binary
# runs in its package's directory, where it finds its testdata.
root=$(cd ../.. && pwd)
(cd "$root" && go test -c -o "$bin/http1.test" ./http1 && go test -c -o "$bin/engine.test" ./engine)
go test -c -o "$bin/micro.test" .
# package directory, binary, benchmark regexp
suites=(
	"$root/http1 http1.test ^Benchmark(Parse|Chunked)"
	"$root/engine engine.test ^BenchmarkPath"
	"$PWD micro.test ."
)
load=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load" 'BEGIN { exit !(l > 0.5) }'; then
	echo "run.sh: warning: load average $load; other work on this machine will add noise" >&2
fi
echo "run.sh: -count=$count -benchtime=$benchtime -benchmem, pinned to CPU $cpu -> $out" >&2
# -count=$count as $count rounds of -count=1, so that interference from
# other work falls on every benchmark alike.
: >"$out"
for _ in $(seq "$count"); do
	for s in "${suites[@]}"; do
		read -r dir test re <<<"$s"
		(cd "$dir" && taskset -c "$cpu" "$bin/$test" -test.run '^$' -test.bench "$re" \
			-test.count 1 -test.benchtime "$benchtime" -test.benchmem) >>"$out"
	done
done

if [ -n "$old" ] && [ "$old" != "$out" ]; then
	echo "== benchstat $(basename "$old") $(basename "$out") (old → new)"
	benchstat "$old" "$out"
else
	echo "== benchstat $(basename "$out") (no earlier run to compare with)"
	benchstat "$out"
fi
