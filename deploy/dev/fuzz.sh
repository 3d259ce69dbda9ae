#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME each (go test runs one target at a time).
set -euo pipefail
cd "$(dirname "$0")/../.."
FUZZTIME=${FUZZTIME:-4s}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

n=0
while IFS= read -r file; do
	pkg="./$(dirname "$file")"
	for target in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)\(' "$file" | sed -E 's/^func (Fuzz[A-Za-z0-9_]+)\(/\1/'); do
		echo "fuzz: $pkg $target ($FUZZTIME)"
		go test -run='^$' -fuzz="^${target}\$" -fuzztime="$FUZZTIME" "$pkg" >"$log" 2>&1 || {
			cat "$log"; echo "fuzz: $target failed"; exit 1; }
		n=$((n + 1))
	done
done < <(git ls-files '*_test.go' | xargs grep -l '^func Fuzz' | sort)
echo "fuzz: $n passed, 0 failed"
