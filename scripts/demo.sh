#!/usr/bin/env bash
# make demo: build the OSS emulator, start it on a free loopback port with a
# directory backend, seed a bucket through the OSS SDK and list it.
# Everything it writes stays under .demo/; it leaves nothing running.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
work="$PWD/.demo"
rm -rf "$work"
mkdir -p "$work/bin"

echo "==> building cmd/ossemu"
go build -o "$work/bin/ossemu" ./cmd/ossemu

echo "==> starting the emulator (data in $work/oss-data)"
"$work/bin/ossemu" serve -listen 127.0.0.1:0 -regions cn-hangzhou,cn-shanghai \
  -data-dir "$work/oss-data" -endpoints-file "$work/endpoints.json" \
  -bucket demo-source:cn-hangzhou >"$work/ossemu.out" 2>"$work/ossemu.log" &
emu_pid=$!
cleanup() {
  kill "$emu_pid" 2>/dev/null || true
  wait "$emu_pid" 2>/dev/null || true
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  [ -s "$work/endpoints.json" ] && break
  kill -0 "$emu_pid" 2>/dev/null || { cat "$work/ossemu.log" >&2; exit 1; }
  sleep 0.1
done
[ -s "$work/endpoints.json" ] || { echo "emulator did not start" >&2; cat "$work/ossemu.log" >&2; exit 1; }
cat "$work/ossemu.out"
endpoint=$(sed -n 's/.*"cn-hangzhou": *"\([^"]*\)".*/\1/p' "$work/endpoints.json")

echo "==> seeding demo-source through the OSS SDK"
"$work/bin/ossemu" seed -endpoint "$endpoint" -bucket demo-source -count 1000 -size 2048 -archive -large $((8 << 20))

echo "==> listing demo-source through the OSS SDK (first 10 keys)"
"$work/bin/ossemu" ls -endpoint "$endpoint" -bucket demo-source -limit 10

echo "==> stopping the emulator"
cleanup
trap - EXIT
echo "demo finished; emulator log: $work/ossemu.log"
