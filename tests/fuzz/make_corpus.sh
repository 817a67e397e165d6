#!/usr/bin/env bash
# Regenerates the committed seed corpora (tests/fuzz/corpus/<target>/) and the playback fixture
# (tests/fuzz/fixtures/clip.mp4) from real outputs: a ring written by the real writer, Annex-B and ADTS from
# ffmpeg's encoders, segments recorded by `zcrec start` cut at many points. Needs a plain build (build/).
#   tests/fuzz/make_corpus.sh [BUILD_DIR]
# Seeds a fuzzer later found a bug with (regressions) live beside them as regress-*; this script keeps them.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
zcrec=$build/cli/zcrec
agent=$build/tests/fifo/fifo_ring_agent
for b in "$zcrec" "$agent"; do [[ -x $b ]] || { echo "missing $b: build zcrec and fifo_ring_agent first" >&2; exit 1; }; done
out=tests/fuzz/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; "$zcrec" rm zc_seed_ring >/dev/null 2>&1 || true; "$zcrec" rm zc_seed_cam >/dev/null 2>&1 || true' EXIT
for t in ring_image annexb annexb_splitter adts mp4_layout time_size_args playback_control mp4_boxes; do
  mkdir -p "$out/$t"
  find "$out/$t" -type f ! -name 'regress-*' -delete
done
mkdir -p tests/fuzz/fixtures

# Ring images: the smallest ring the writer makes, once barely used and once lapped many times.
for frames in 12 3000; do
  "$zcrec" rm zc_seed_ring >/dev/null 2>&1 || true
  "$agent" writer zc_seed_ring --ring-bytes 65536 --slots 2 --min-size 16 --max-size 900 --key-every 7 \
    --until-seq "$frames" >/dev/null
  cp /dev/shm/zcrec.zc_seed_ring "$out/ring_image/ring-$frames-frames"
done

# Annex-B from ffmpeg's encoders: the first byte picks the codec (even: H.264, odd: H.265).
ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }
ff -f lavfi -i testsrc=size=96x64:rate=10 -t 1 -c:v libx264 -g 5 -bf 2 -f h264 "$tmp/a.h264"
ff -f lavfi -i testsrc=size=96x64:rate=10 -t 1 -c:v libx265 -x265-params log-level=none -g 5 -f hevc "$tmp/a.h265"
{ printf '\x00'; head -c 3000 "$tmp/a.h264"; } >"$out/annexb/h264-head"
{ printf '\x00'; cat "$tmp/a.h264"; } >"$out/annexb/h264-1s"
{ printf '\x01'; head -c 3000 "$tmp/a.h265"; } >"$out/annexb/h265-head"
{ printf '\x01'; cat "$tmp/a.h265"; } >"$out/annexb/h265-1s"
# The splitter's seeds: codec byte, piece-size byte (pieces of 1 + b % 64 bytes), then the stream.
{ printf '\x00\x06'; head -c 3000 "$tmp/a.h264"; } >"$out/annexb_splitter/h264-head"
{ printf '\x00\x3f'; cat "$tmp/a.h264"; } >"$out/annexb_splitter/h264-1s"
{ printf '\x01\x00'; head -c 3000 "$tmp/a.h265"; } >"$out/annexb_splitter/h265-head"
{ printf '\x01\x20'; cat "$tmp/a.h265"; } >"$out/annexb_splitter/h265-1s"

# ADTS from ffmpeg's AAC encoder; one seed starts with a real AudioSpecificConfig (LC, 48 kHz, stereo).
ff -f lavfi -i sine=frequency=440:sample_rate=48000 -t 0.3 -c:a aac -b:a 32k -f adts "$tmp/a.aac"
cp "$tmp/a.aac" "$out/adts/sine-48k"
{ printf '\x11\x90'; head -c 600 "$tmp/a.aac"; } >"$out/adts/asc-then-adts"
ff -f lavfi -i sine=frequency=440:sample_rate=8000 -ac 1 -t 0.3 -c:a aac -b:a 16k -f adts "$out/adts/sine-8k-mono"

# Segments recorded by zcrec from a live testsrc camera (H.264 with B-frames, AAC), 0.5 s fragments.
"$zcrec" feed testsrc --stream zc_seed_cam --size 96x64 --fps 10 --gop 500ms --bframes 2 --audio \
  --ring-size 1M >/dev/null 2>&1 &
cam=$!
sleep 2
"$zcrec" start zc_seed_cam --preroll 0 --duration 2s --postroll 0 --segment 10s --dir "$tmp/store" >/dev/null
kill "$cam"
wait "$cam" || true
seg=$(find "$tmp/store" -name '*.mp4' | sort | head -1)
cp "$seg" tests/fuzz/fixtures/clip.mp4
size=$(stat -c %s "$seg")
cp "$seg" "$out/mp4_layout/whole"
# Cuts: inside the first box headers, and at twelve points spread over the file (mid-moof, mid-mdat, ...).
for cut in 4 12 40 $(seq $((size / 13)) $((size / 13)) $((size - 1))); do
  head -c "$cut" "$seg" >"$out/mp4_layout/cut-$cut"
done
# The clip's box readers take the same segment, whole and cut in the middle of a moof and of an mdat.
cp "$seg" "$out/mp4_boxes/whole"
for cut in $((size / 3)) $((size * 2 / 3)); do head -c "$cut" "$seg" >"$out/mp4_boxes/cut-$cut"; done

# Arguments: the first byte picks the parser (0 --from/--to, 1 duration, 2 size, 3 seconds with unit,
# 4 the player's wall time).
arg() { printf "\\x0$1%s" "$2" >"$out/time_size_args/$3"; }
arg 0 now now; arg 0 -10m rel-minus; arg 0 +30s rel-plus; arg 0 2026-11-26T10:00:00Z rfc3339
arg 0 2026-11-26T12:00:00.5+02:00 rfc3339-offset; arg 1 5s duration; arg 1 250ms duration-ms; arg 1 1d duration-day
arg 2 10G size-g; arg 2 512M size-m; arg 2 4096 size-plain; arg 3 2m unit-min; arg 3 500ms unit-ms
arg 4 @1764152130.25 wall-unix; arg 4 "2026-11-26 10:15:30" wall-space; arg 4 2026-11-26T10:15:30.250Z wall-iso

# Control requests: a mode byte (1 keyframes only, 2 reverse, 4 audio), then per poll 0 nothing, 1 CMD ARG(8),
# 2 raw words. Pause, resume, a seek and a speed change; raw words that look like a stale generation.
python3 - "$out/playback_control" <<'PY'
import struct, sys
d = sys.argv[1]
def req(cmd, arg): return b'\x01' + bytes([cmd]) + struct.pack('<q', arg)
open(f'{d}/pause-resume', 'wb').write(b'\x04' + req(2, 0) + b'\x00' * 3 + req(3, 0))
open(f'{d}/seek-speed', 'wb').write(b'\x04' + b'\x00' * 5 + req(1, 0) + req(4, 2_000_000) + b'\x00' * 5)
open(f'{d}/reverse-seek', 'wb').write(b'\x03' + b'\x00' * 2 + req(1, 1 << 62))
open(f'{d}/raw-words', 'wb').write(b'\x04' + b'\x02' + struct.pack('<QIqQ', 5, 1, 0, 3) + b'\x00' * 4)
PY
du -sh "$out" tests/fuzz/fixtures
