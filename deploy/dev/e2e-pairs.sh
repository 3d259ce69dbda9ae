#!/usr/bin/env bash
# Runs the end-to-end benchmark as interleaved pairs (bare subscriber, then hub) and prints
# each pair's ratio and the median: on a shared machine whose speed drifts, one pair says
# little. Usage: deploy/dev/e2e-pairs.sh [PAIRS] [MESSAGES]   (defaults 6 and 300000: in
# shorter runs the bare subscriber has not reached its steady rate, which flatters the hub)
set -euo pipefail
cd "$(dirname "$0")/../.."
pairs=${1:-6}
msgs=${2:-300000}
bin=$(mktemp)
out=$(mktemp)
trap 'rm -f "$bin" "$out"' EXIT
go test -c -o "$bin" ./internal/hub/

for _ in $(seq "$pairs"); do
	(cd internal/hub && "$bin" -test.run '^$' -test.bench BenchmarkEndToEnd \
		-test.benchtime "${msgs}x") | awk '
		/bare-subscriber/ { for (i = 1; i <= NF; i++) { if ($i == "msgs/s") b = $(i-1); if ($i == "cpu-µs/msg") bc = $(i-1) } }
		/EndToEnd\/hub/   { for (i = 1; i <= NF; i++) { if ($i == "msgs/s") h = $(i-1); if ($i == "cpu-µs/msg") hc = $(i-1) } }
		END { printf "bare %7.0f msgs/s %5.1f cpu-µs/msg   hub %7.0f msgs/s %5.1f cpu-µs/msg   ratio %.3f\n", b, bc, h, hc, h / b }'
done | tee "$out"
awk '{ print $NF }' "$out" | sort -n | awk '{ r[NR] = $1 } END {
	m = (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
	printf "median ratio over %d pairs: %.3f (min %.3f, max %.3f)\n", NR, m, r[1], r[NR] }'
