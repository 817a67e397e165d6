// The `zcrec feed` command line zcrecd runs for a camera, and its inverse. zcrecd builds a camera's ingest
// command from an IngestSpec with ingest_command(); after a daemon restart it reads a running process's
// /proc/PID/cmdline back with parse_ingest_command() and adopts the process only when the specs are equal
// (docs/ingest.md, "The ingest command"). parse(build(x)) == x for every spec: each option is on the command line
// exactly when it is set in the spec. The password never is: it goes through the child's environment.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace zc::ingest {

// The synthetic camera's options (`--size`, `--fps`, `--gop`, `--codec`, `--bitrate`, `--audio`); unset = feed's
// default. zcrecd sets them only for source "testsrc" (feed ignores them for any other source).
struct TestsrcSpec {
  std::optional<std::string> size;     // "WIDTHxHEIGHT"
  std::optional<int> fps;
  std::optional<int64_t> gop_ms;       // keyframe interval, milliseconds (`--gop 1000ms`)
  std::optional<std::string> codec;    // "h264" | "h265"
  std::optional<int64_t> bitrate_bps;  // bits per second, written as a plain decimal number
  bool audio = false;
  bool operator==(const TestsrcSpec&) const = default;
};

struct IngestSpec {
  std::string zcrec;   // argv[0]: the zcrec executable (an absolute path under zcrecd)
  std::string source;  // SOURCE as feed takes it, without a password (see `password`)
  std::string ring;    // `--stream`
  std::optional<int64_t> ring_size_bytes;     // `--ring-size`, bytes
  bool loop = false;                          // `--loop`
  std::optional<std::string> rtsp_transport;  // `--rtsp-transport tcp|udp`
  std::vector<std::string> input_options;     // `--input-option KEY=VALUE`, in order
  TestsrcSpec testsrc;
  // The camera's password: never in argv (visible in `ps`), handed over as $ZCREC_SOURCE_PASSWORD; empty = none.
  std::string password;
  bool operator==(const IngestSpec&) const = default;
};

inline constexpr const char* kPasswordEnv = "ZCREC_SOURCE_PASSWORD";

// argv of `zcrec feed`: {zcrec, "feed", source, "--stream", ring, options...}.
std::vector<std::string> ingest_command(const IngestSpec& spec);

// The variables the child gets on top of (and instead of the same names in) the daemon's environment:
// "ZCREC_SOURCE_PASSWORD=..." when the spec has a password.
std::vector<std::string> ingest_environment(const IngestSpec& spec);

// The spec a command line was built from, or nullopt when it is not one ingest_command() could have built:
// not `feed`, no SOURCE or `--stream`, an option it never writes, an option twice that is written once, a value
// that is not written as it writes it ("07", "+7"). A SOURCE or RING that is empty or starts with "--" is refused
// (zcrecd never builds one). `environ` (KEY=VALUE strings, e.g. /proc/PID/environ) gives the password; without
// it the spec has none.
std::optional<IngestSpec> parse_ingest_command(std::span<const std::string> argv,
                                               std::span<const std::string> environ = {});

// A URL with the password moved out of its user-info ("rtsp://admin:pw@cam/s" → "rtsp://admin@cam/s" and "pw",
// percent-decoded); unchanged with an empty password when it carries none.
struct SplitCredentials {
  std::string url;
  std::string password;
};
SplitCredentials split_password(const std::string& url);

}  // namespace zc::ingest
