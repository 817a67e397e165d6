# Shared by scripts/demo and scripts/test (sourced, not run): package installation and the build.

# Every Debian 12 package that building, testing and the demo use.
ZC_PACKAGES=(
  cmake g++ ninja-build pkg-config git python3
  # `cpack -G DEB` and its test (tests/package): dpkg-shlibdeps computes Depends, file tells ELF files apart.
  dpkg-dev file
  ffmpeg libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev
  libsqlite3-dev sqlite3 libcli11-dev nlohmann-json3-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  # A real RTSP camera for the ingest tests: gst-rtsp-server from Python with x264enc/x265enc/voaacenc.
  gir1.2-gst-rtsp-server-1.0 python3-gst-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly
  # `zcrec serve` (serve/): gst-rtsp-server with appsrc; its tests judge with rtspsrc and libav's decoders.
  libgstrtspserver-1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-libav
  # libFuzzer targets (scripts/fuzz, scripts/test --fuzz): clang 14 with its fuzzer and sanitizer runtimes.
  clang libclang-rt-14-dev
  # zcrecd (service/): YAML config, HTTP API, Prometheus metrics, sd_notify; the tests' HTTP client and metrics parser.
  libyaml-cpp-dev libcpp-httplib-dev prometheus-cpp-dev libsystemd-dev curl python3-prometheus-client
  # zcrecd's HTTP server core (service/src/http_server.cpp): Boost.Beast/Asio, header-only. httplib stays the client.
  libboost-dev
  # zcrecd's web page in a real browser: headless Chromium driven over the DevTools protocol from Python.
  chromium python3-websocket
  # zcrecd's MQTT (service/src/mqtt_client.cpp); the tests' broker and their subscriber/publisher.
  libmosquitto-dev mosquitto mosquitto-clients
  # The cluster catalog (cluster/, libpq) and the real PostgreSQL 15 server its tests start (initdb, pg_ctl, psql).
  libpq-dev postgresql-15 postgresql-client-15
  # S3 object storage (objectstore/): libcurl and OpenSSL's libcrypto (SigV4); node and npm run the tests' s3rver.
  libcurl4-openssl-dev libssl-dev nodejs npm
)

zc_log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Installs whatever of ZC_PACKAGES is missing (apt-get update runs at most once, and only when needed).
zc_install_packages() {
  local missing=() p
  for p in "${ZC_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" && continue
    # NodeSource's nodejs package provides (and conflicts with) Debian's npm: an npm on the PATH is enough.
    [[ $p == npm ]] && command -v npm >/dev/null && continue
    missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    zc_log "all ${#ZC_PACKAGES[@]} packages are installed"
    return
  fi
  if ((EUID != 0)); then
    echo "missing packages: ${missing[*]}; run as root (or install them) first" >&2
    exit 1
  fi
  zc_log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
}

# The tests' S3 endpoint: the s3rver npm package, pinned, installed once into a cache directory outside the tree
# (tests/support/s3rver.cpp starts one per test; ZC_S3RVER_PREFIX moves it). Not a Debian package: MinIO is not
# packaged either, and s3rver is a small, well-known S3 emulator that runs on Debian's node.
ZC_S3RVER_VERSION=3.7.1
zc_s3rver_prefix() { echo "${ZC_S3RVER_PREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/zcrec/s3rver-$ZC_S3RVER_VERSION}"; }
zc_install_s3rver() {
  local prefix
  prefix=$(zc_s3rver_prefix)
  if [[ -f $prefix/node_modules/s3rver/package.json ]]; then
    return
  fi
  zc_log "installing s3rver@$ZC_S3RVER_VERSION into $prefix"
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-audit --no-fund --no-save "s3rver@$ZC_S3RVER_VERSION"
}

# Build parallelism: one job per core, at most the cores there are.
zc_jobs() { nproc 2>/dev/null || echo 2; }

# zc_build BUILD_DIR [cmake args...] [-- targets...]
zc_build() {
  local dir=$1
  shift
  local cmake_args=() targets=()
  while (($#)); do
    if [[ $1 == -- ]]; then
      shift
      targets=("$@")
      break
    fi
    cmake_args+=("$1")
    shift
  done
  zc_log "configuring $dir"
  cmake -S . -B "$dir" -G Ninja -DZC_WERROR=ON "${cmake_args[@]}"
  zc_log "building $dir"
  if ((${#targets[@]})); then
    cmake --build "$dir" -j"$(zc_jobs)" --target "${targets[@]}"
  else
    cmake --build "$dir" -j"$(zc_jobs)"
  fi
}

# The libFuzzer build (tests/fuzz): clang, only the library modules and the fuzz targets, in build-fuzz/.
ZC_FUZZ_TARGETS=(ring_image annexb annexb_splitter adts mp4_layout time_size_args playback_control service_config mp4_boxes http_request
                 rtsp_response sdp rtp_packet h264_rtp h265_rtp aac_rtp)
zc_build_fuzz() {
  CC=clang CXX=clang++ zc_build build-fuzz -DZC_FUZZ=ON -DZC_BUILD_TESTS=OFF -- "${@/#/zc_fuzz_}"
}

# zc_run_fuzz TARGET SECONDS: fuzzes from the committed seeds (tests/fuzz/corpus/TARGET, never written to) and a
# work corpus in build-fuzz/corpus/TARGET that persists between runs; a finding lands in
# build-fuzz/findings/TARGET/ and makes this return non-zero. The fuzzer's output goes to the terminal and to
# build-fuzz/logs/TARGET.log, which zc_report_fuzz_failure prints again at the end of the run.
zc_run_fuzz() {
  local t=$1 seconds=$2
  local work=build-fuzz/corpus/$t findings=build-fuzz/findings/$t
  mkdir -p "$work" "$findings" build-fuzz/logs
  ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "build-fuzz/tests/fuzz/zc_fuzz_$t" "$work" "tests/fuzz/corpus/$t" -max_total_time="$seconds" \
    -timeout=25 -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$findings/" \
    > >(tee "build-fuzz/logs/$t.log") 2>&1
}

# zc_report_fuzz_failure TARGET: what a failed target said (its error report and the input it saved), repeated at
# the end of a long run where a CI log's tail shows it (one run failed with only "1 failed" to go on).
zc_report_fuzz_failure() {
  local t=$1
  echo "---- fuzz target $t failed; its report (build-fuzz/logs/$t.log):"
  grep -a -A40 -m1 -E '^==[0-9]+==|^(ERROR|SUMMARY): |deadly signal|ALARM|out-of-memory|Test unit written' \
    "build-fuzz/logs/$t.log" | head -60 || true
  tail -5 "build-fuzz/logs/$t.log"
  ls -l "build-fuzz/findings/$t" || true
}
