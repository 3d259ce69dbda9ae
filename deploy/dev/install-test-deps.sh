#!/usr/bin/env bash
# Installs what the test suite needs and this machine lacks: Mosquitto (the real broker the
# MQTT tests run against) and Chromium (the real browser the page tests drive). Debian only.
set -euo pipefail

need=()
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-test-deps: need ${need[*]}; run as root or install them: apt-get install ${need[*]}" >&2
	exit 1
fi
echo "install-test-deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The Debian package may start a system Mosquitto on :1883 (the tests start their own on free
# ports, and `make run` embeds a broker on 1883): stop that one, and only that one.
if [[ " ${need[*]} " == *" mosquitto "* ]]; then
	if command -v systemctl >/dev/null && systemctl is-active --quiet mosquitto 2>/dev/null; then
		systemctl stop mosquitto || true
	fi
	pkill -f '^/usr/sbin/mosquitto -c /etc/mosquitto/mosquitto.conf' 2>/dev/null || true
fi
