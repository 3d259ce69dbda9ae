#!/usr/bin/env bash
# `make run`: start the hub on its embedded defaults, register the sample devices and replay
# recorded uplinks carrying real vendor payloads, in a loop, until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN=./bin/vindel
HTTP_PORT=${HTTP_PORT:-8080}
export VINDEL_ADMIN_KEY=${VINDEL_ADMIN_KEY:-dev-admin-key}
export VINDEL_HTTP_ADDR=${VINDEL_HTTP_ADDR:-:$HTTP_PORT}
export VINDEL_DATA_DIR=${VINDEL_DATA_DIR:-./data}
HUB=http://127.0.0.1:$HTTP_PORT

"$BIN" serve &
hub=$!
replay=
watch=
cleanup() {
	[ -n "$replay" ] && kill "$replay" 2>/dev/null || true
	[ -n "$watch" ] && kill "$watch" 2>/dev/null || true
	if [ -n "$hub" ]; then
		kill "$hub" 2>/dev/null || true
		wait "$hub" 2>/dev/null || true
	fi
}
trap cleanup EXIT INT TERM

# ready: /readyz answers 200 once the store is up and the MQTT source subscribed.
ready() {
	if command -v curl >/dev/null; then
		curl -fsS "$HUB/readyz" >/dev/null 2>&1
		return
	fi
	exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT" 2>/dev/null || return 1
	printf 'GET /readyz HTTP/1.0\r\n\r\n' >&3
	head -n 1 <&3 | grep -q ' 200 '
	local ok=$?
	exec 3>&-
	return $ok
}

for _ in $(seq 1 100); do
	ready && break
	kill -0 "$hub" 2>/dev/null || { echo "run: the hub exited; see its log above" >&2; exit 1; }
	sleep 0.2
done

# Register the sample devices (already registered ones are left as they are).
grep -v '^#' deploy/samples/devices.tsv | while IFS=$'\t' read -r eui name profile lat lon; do
	"$BIN" device add -hub "$HUB" -deveui "$eui" -name "$name" -profile "$profile" \
		-lat "$lat" -lon "$lon" -public -licence CC-BY-4.0 -owner "Exempelkommun" 2>/dev/null ||
		true
done

"$BIN" replay -broker tcp://127.0.0.1:1883 -rate 2 -loop deploy/samples/uplinks.jsonl &
replay=$!

cat <<TEXT

  Vindel is running with sample traffic (real vendor payloads, replayed in a loop).

    page          $HUB/
    SensorThings  $HUB/v1.1/Datastreams
                  $HUB/v1.1/Observations?\$orderby=id%20desc&\$top=5
    live stream   ws://127.0.0.1:$HTTP_PORT/v1/stream   (SSE: $HUB/v1/stream/sse)
    devices       $HUB/api/v1/devices
    metrics       $HUB/metrics

  Below: the live stream as \`vindel watch\` prints it. Ctrl-C stops everything; the data
  stays in $VINDEL_DATA_DIR.

TEXT
"$BIN" watch -hub "ws://127.0.0.1:$HTTP_PORT" &
watch=$!
# Until the hub stops, by Ctrl-C or on its own: then the replay and the watch stop too.
status=0
wait "$hub" || status=$?
hub_pid=$hub
hub=
case $status in
0 | 130) echo "run: the hub (pid $hub_pid) stopped" >&2 ;; # 130: by Ctrl-C, as it should
*) echo "run: the hub (pid $hub_pid) stopped with status $status" >&2 ;;
esac
