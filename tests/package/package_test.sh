#!/usr/bin/env bash
# package_test.sh BUILD_DIR THIS_DIR WORK_DIR: packs BUILD_DIR with cpack, unpacks the .deb into WORK_DIR/root and
# checks that it is complete and usable from there (tests/package/CMakeLists.txt).
set -euo pipefail
build=$1 here=$2 work=$3
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

rm -rf "$work"
mkdir -p "$work"
step "cpack -G DEB"
(cd "$work" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/cpack") > "$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; fail "cpack"; }
debs=("$work"/cpack/*.deb)
[[ ${#debs[@]} == 1 && -f ${debs[0]} ]] || fail "expected one .deb, got: ${debs[*]}"
deb=${debs[0]}
echo "package: $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"

step "control"
dpkg-deb -f "$deb" Package Version Architecture Depends
depends=$(dpkg-deb -f "$deb" Depends)
# dpkg-shlibdeps found what the ELF files need: FFmpeg, SQLite, the C++ runtime, systemd's library.
for lib in libc6 libstdc++6 libavformat libavcodec libsqlite3 libyaml-cpp libsystemd0 adduser; do
  [[ $depends == *"$lib"* ]] || fail "Depends lacks $lib: $depends"
done
[[ $depends != *zcrec* ]] || fail "the package depends on itself: $depends"
dpkg-deb --ctrl-tarfile "$deb" | tar -t | grep -qx './conffiles' || fail "no conffiles"
dpkg-deb --info "$deb" conffiles | grep -qx /etc/zcrec/zcrecd.yaml || fail "zcrecd.yaml is not a conffile"
dpkg-deb --info "$deb" shlibs | grep -q '^libzcrec_fifo ' || fail "no shlibs entry for libzcrec_fifo"

step "dpkg-deb -x"
root=$work/root
dpkg-deb -x "$deb" "$root"
libdir=$(dirname "$(find "$root/usr/lib" -name 'libzcrec_fifo.so.*.*.*' | head -1)")
[[ -d $libdir ]] || fail "no libzcrec_fifo.so in the package"
for f in usr/bin/zcrec usr/bin/zcrecd etc/zcrec/zcrecd.yaml usr/lib/systemd/system/zcrecd.service \
  usr/share/doc/zcrec/examples/zcrecd.yaml usr/include/zcrec/fifo.h usr/include/zc/recorder/recorder.h; do
  [[ -e $root/$f ]] || fail "missing /$f"
done
for m in fifo media catalog recorder playback; do
  so=$(readelf -d "$libdir/libzcrec_$m.so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
  [[ $so == libzcrec_$m.so.* ]] || fail "libzcrec_$m.so has no SONAME"
  [[ -f $libdir/$so ]] || fail "the SONAME $so of libzcrec_$m is not in the package"
done
# The internal modules are linked into the executables, not shipped.
[[ -z $(find "$root" -name 'libzcrec_units*' -o -name 'libzcrec_service*' -o -name '*.a') ]] ||
  fail "static or internal libraries in the package"
# Nothing in the package points into the build tree (a leftover RUNPATH, a configure-time path).
if grep -rl --binary-files=text "$build" "$root" >/dev/null; then
  grep -rl --binary-files=text "$build" "$root" >&2
  fail "files name the build directory"
fi
grep -q "^ExecStart=/usr/bin/zcrecd --config /etc/zcrec/zcrecd.yaml$" "$root/usr/lib/systemd/system/zcrecd.service" ||
  fail "the unit's ExecStart is not /usr/bin/zcrecd --config /etc/zcrec/zcrecd.yaml"
grep -q "^prefix=/usr$" "$libdir/pkgconfig/zcrec.pc" || fail "zcrec.pc's prefix is not /usr"

export LD_LIBRARY_PATH=$libdir
step "the packaged binaries use the packaged libraries"
ldd "$root/usr/bin/zcrecd" | grep libzcrec_ | grep -v "$libdir" && fail "zcrecd loads a libzcrec_ from elsewhere"
"$root/usr/bin/zcrec" --version

step "zcrecd --check-config"
"$root/usr/bin/zcrecd" --check-config "$root/etc/zcrec/zcrecd.yaml"
"$root/usr/bin/zcrecd" --check-config "$root/usr/share/doc/zcrec/examples/zcrecd.yaml"
printf 'storage: {dir: d}\ncameras:\n  a: {source: "rtsp//cam/x"}\n' > "$work/bad.yaml"
if "$root/usr/bin/zcrecd" --check-config "$work/bad.yaml" 2> "$work/bad.err"; then fail "a bad source was accepted"; fi
grep -q "cameras.a.source" "$work/bad.err" || fail "the error does not name the key: $(cat "$work/bad.err")"

step "C++ consumer: find_package(zcrec)"
cmake -S "$here/consumer" -B "$work/cxx" -G Ninja -DCMAKE_PREFIX_PATH="$root/usr" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
  > "$work/cxx.log" 2>&1 || { cat "$work/cxx.log"; fail "configuring the consumer"; }
grep -q "zcrec_DIR.*$root" "$work/cxx/CMakeCache.txt" || fail "find_package(zcrec) did not find the unpacked package"
cmake --build "$work/cxx" >> "$work/cxx.log" 2>&1 || { cat "$work/cxx.log"; fail "building the consumer"; }
ring="zc_pkgtest_$$"
"$work/cxx/consumer" "$ring" "$work/store"

step "C consumer: pkg-config zcrec"
export PKG_CONFIG_PATH=$libdir/pkgconfig
flags=$(pkg-config --define-variable=prefix="$root/usr" --cflags --libs zcrec)
echo "pkg-config: $flags"
cc -std=c11 -o "$work/c_writer" "$here/../../examples/c_writer.c" $flags
"$work/c_writer" "$ring" 10 5
"$root/usr/bin/zcrec" stat "$ring" | tee "$work/stat.out"
grep -q "in 10 frames" "$work/stat.out" || fail "zcrec stat does not show the C writer's 10 frames"
"$root/usr/bin/zcrec" rm "$ring"
echo "package test passed"
