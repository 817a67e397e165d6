#!/usr/bin/env bash
# zcrecd_smoke.sh [ZCRECD [ZCREC]]: a sanitized zcrecd (default build-asan/service/zcrecd) with a zcrec as its
# ingest (default build/cli/zcrec: the plain one, so only the daemon is sanitized), driven
# through its API (events, clip with a range, live view, timeline, bad input), a reload by SIGHUP and by the API,
# and a SIGTERM (LeakSanitizer runs at exit). Fails on any sanitizer report or an unclean exit. Not a ctest: it
# is how zcrecd was first run under ASan when the sanitized test suite could not be built in time.
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
zcrecd=${1:-$src/build-asan/service/zcrecd}
zcrec=${2:-$src/build/cli/zcrec}
work=$(mktemp -d /tmp/zc_smoke.XXXXXX)
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
prefix="zcsan$$_"
write_cfg() {
  cat > "$work/zcrecd.yaml" <<YAML
storage: {dir: data, segment: 2s, retention_interval: 2s}
api: {listen: 127.0.0.1:$port}
ring_prefix: $prefix
retention: {max_age: 1h}
cameras:
  cont:
    source: testsrc
    testsrc: {size: 320x240, fps: 15, gop: 1s, audio: $1}
    ring_size: 8M
    record: {continuous: true}
  ev:
    source: testsrc
    testsrc: {size: 320x240, fps: 15, gop: 1s}
    ring_size: 8M
    record: {continuous: false, events: {preroll: 2s, postroll: 1s, max_length: 30s}}
YAML
}
write_cfg false
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1} LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$src/tests/lsan.supp}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:suppressions=$src/tests/tsan.supp}
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
start=$(date +%s)
"$zcrecd" --config "$work/zcrecd.yaml" --zcrec "$zcrec" > "$work/out" 2> "$work/err" &
pid=$!
api=http://127.0.0.1:$port
for i in $(seq 1 120); do curl -sf "$api/api/v1/health" > /dev/null && break; sleep 0.5; done
sleep 6
c() { echo "--- $*"; curl -s -o "$work/body" -w "%{http_code}\n" "$@"; head -c 300 "$work/body"; echo; }
c "$api/api/v1/health"
c "$api/api/v1/cameras"
c "$api/metrics"
c -X POST -H 'Content-Type: application/json' -d '{"label":"door","preroll":"2s","duration":"3s"}' "$api/api/v1/cameras/ev/events"
c -X POST -H 'Content-Type: application/json' -d '{"label":"open"}' "$api/api/v1/cameras/ev/events"
c -X POST -d '{bad json' "$api/api/v1/cameras/ev/events"
c -X POST -d '{}' "$api/api/v1/cameras/nosuch/events"
sleep 4
c -X POST -d '' "$api/api/v1/events/2/end"
c -X POST -d '' "$api/api/v1/events/2/end"
c "$api/api/v1/events?camera=ev"
c "$api/api/v1/recordings?camera=cont"
c "$api/api/v1/cameras/cont/timeline?from=-30s&to=-0s"
c "$api/api/v1/cameras/cont/clip.mp4?from=-8s&to=-2s"
c -H 'Range: bytes=100-200' "$api/api/v1/cameras/cont/clip.mp4?from=-8s&to=-2s"
c --max-time 3 "$api/api/v1/cameras/cont/live.mp4"
c "$api/"
c "$api/api/v1/nosuch"
c "$api/api/v1/cameras/cont/clip.mp4?from=x"
write_cfg true
kill -HUP $pid
sleep 5
c -X POST -d '' "$api/api/v1/reload"
c "$api/api/v1/cameras"
sleep 3
kill -TERM $pid
wait $pid
rc=$?
echo "zcrecd exit status: $rc after $(( $(date +%s) - start )) s"
grep -nE "AddressSanitizer|LeakSanitizer|ThreadSanitizer|runtime error|UndefinedBehavior" -A40 "$work/err" | head -150
for r in cont ev; do "$zcrec" rm "$prefix$r" 2>/dev/null; done
echo "work: $work"
[[ $rc == 0 ]] && ! grep -qE "AddressSanitizer|LeakSanitizer|ThreadSanitizer|runtime error" "$work/err"
