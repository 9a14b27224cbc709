#!/usr/bin/env bash
# run.sh runs the parser comparison (chopin http1, fasthttp, net/http) on one
# pinned core and prints it as benchstat tables, one column per
# implementation, then checks the issue's speed targets against fasthttp.
# Raw results go to bench/results/raw/ (git-ignored) so that they can be
# compared again later with benchstat.
#
# Environment: COUNT (runs of each benchmark, default 10), BENCHTIME
# (default 1s), CPU (core to pin to, default the last one), BENCH (benchmark
# regexp, default all).
set -euo pipefail
cd "$(dirname "$0")"
export PATH="/usr/local/go/bin:$PATH"
export PATH="$PATH:$(go env GOPATH)/bin"

count=${COUNT:-10}
benchtime=${BENCHTIME:-1s}
cpu=${CPU:-$(($(nproc) - 1))}
bench=${BENCH:-.}

if ! command -v benchstat >/dev/null; then
	go install golang.org/x/perf/cmd/benchstat@latest
fi
command -v taskset >/dev/null || { echo "run.sh: taskset (util-linux) is missing" >&2; exit 1; }

raw=../results/raw
mkdir -p "$raw"
out="$raw/parse-$(date -u +%Y%m%dT%H%M%SZ).txt"
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT

# Build first, so that compiling is neither pinned nor timed; run from this
# directory, where the test finds ../../testdata/bench.
go test -c -o "$bin/parse.test" .
"$bin/parse.test" -test.run '^TestVerify$' >/dev/null
load=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load" 'BEGIN { exit !(l > 0.5) }'; then
	echo "run.sh: warning: load average $load; other work on this machine will add noise" >&2
fi
# -count=$count as $count rounds of -count=1, so that any interference
# from other work falls on every implementation alike rather than on
# whichever one happened to be running.
echo "run.sh: go test -bench '$bench' -count=$count -benchtime=$benchtime -benchmem, pinned to CPU $cpu -> $out" >&2
: >"$out"
for _ in $(seq "$count"); do
	taskset -c "$cpu" "$bin/parse.test" -test.run '^$' -test.bench "$bench" \
		-test.count 1 -test.benchtime "$benchtime" -test.benchmem >>"$out"
done

echo "== chopin vs fasthttp vs net/http: benchstat -col /impl -filter .name:Parse $out"
benchstat -col /impl -filter .name:Parse "$out"
echo
echo "== fasthttp drive modes: benchstat -col /variant -filter .name:Fasthttp $out"
benchstat -col /variant -filter .name:Fasthttp "$out"

# The issue's targets, from medians: on pipelined16 chopin's ns per request
# at most half of fasthttp's; on browser chopin's bytes per second at least
# twice fasthttp's, that is its ns/op at most half.
median() { # median ns/op of benchmark $1 in $out
	# GOMAXPROCS is 1 under taskset, so names carry no -N suffix.
	awk -v name="BenchmarkParse/$1" '$1 == name || index($1, name "-") == 1 { print $3 }' "$out" |
		sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2) }'
}
echo
echo "== targets (medians of ns/op)"
for input in pipelined16 browser; do
	c=$(median "impl=chopin/input=$input")
	f=$(median "impl=fasthttp/input=$input")
	[ -n "$c" ] && [ -n "$f" ] || continue
	awk -v input="$input" -v c="$c" -v f="$f" 'BEGIN {
		r = c / f
		printf "%-12s chopin %.1f ns/op, fasthttp %.1f ns/op: chopin/fasthttp = %.3f (target <= 0.5): %s\n",
			input, c, f, r, r <= 0.5 ? "met" : "NOT met"
	}'
done
