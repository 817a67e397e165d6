// zcrecd's configuration: one YAML file (docs/service.md is the reference; examples/zcrecd.yaml is a fully
// commented example the tests use). Durations and sizes take the CLI's units ("5s", "10m", "7d"; "64M", "50G"),
// or plain numbers (seconds, bytes).
#pragma once

#include <zc/catalog/retention.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace zc::service {

// A configuration that cannot be used. key is the dotted path ("cameras.front.record.events.preroll"),
// line 1-based in the YAML file (0 when the error is not tied to one place, e.g. the file is missing).
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string key, int line, const std::string& message);
  const std::string& key() const noexcept { return key_; }
  int line() const noexcept { return line_; }

 private:
  std::string key_;
  int line_;
};

struct EventRecordingConfig {
  bool enabled = true;
  int64_t preroll_ns = 5'000'000'000;
  int64_t postroll_ns = 5'000'000'000;
  std::optional<int64_t> max_length_ns = 600'000'000'000;  // an event never records longer than this
  bool operator==(const EventRecordingConfig&) const = default;
};

// The synthetic camera's options (source: testsrc), as `zcrec feed testsrc` takes them.
struct TestsrcConfig {
  std::string size = "640x360";
  int fps = 25;
  int64_t gop_ms = 1000;
  std::string codec = "h264";
  int64_t bitrate_bps = 1'000'000;  // decimal units: `bitrate: 1M` is 1000000 bit/s (units::parse_bitrate_bps)
  bool audio = false;
  bool operator==(const TestsrcConfig&) const = default;
};

struct CameraConfig {
  std::string name;    // [A-Za-z0-9_][A-Za-z0-9_.-]{0,63}: the catalog's stream name, part of the ring name
  std::string source;  // any URL `zcrec feed` takes, "testsrc", a media file (looped), or "push"
  TestsrcConfig testsrc;
  std::string rtsp_transport = "tcp";
  int64_t ring_size_bytes = 64ll << 20;
  bool continuous = false;
  EventRecordingConfig events;
  catalog::RetentionPolicy retention;          // each field unset = the global default
  std::optional<int64_t> event_max_age_ns;     // unset = the global default
  std::vector<std::string> input_options;      // libavformat KEY=VALUE, passed to `zcrec feed --input-option`
  // false: the camera is listed (state `disabled`) and its footage kept and served, but no ingest or recording
  // runs and events are refused; a reload that flips it starts or stops the camera.
  bool enabled = true;
  // `source: push`: no ingest process; an encoder pushes into the camera's ring through zcrecd's RTSP server
  // (rtsp://LISTEN/<name>, ANNOUNCE/RECORD; docs/serving.md, "Streams pushed in").
  bool pushed() const noexcept { return source == "push"; }
  // A cluster camera (docs/cluster.md, "Leases and epochs"): the hosts that may record it, in order of
  // preference; one of them at a time holds its lease and records it. Empty: this host records it, no lease.
  std::vector<std::string> hosts;
  // With hosts: every listed host runs the camera's ingest (one camera connection each), so the host that takes
  // the camera over records from the end of the cluster's footage out of its own ring (docs/cluster.md,
  // "Failover"). false: only the holder runs it.
  bool standby = false;
};

bool same_retention(const catalog::RetentionPolicy& a, const catalog::RetentionPolicy& b);
// Whether a reload leaves the camera as it is (nothing it runs with changed).
bool same_camera(const CameraConfig& a, const CameraConfig& b);

// MQTT (docs/service.md, "MQTT"): absent = off. The broker's password is read from password_file at load and never
// logged; a reload keeps the running MQTT settings (they take effect at the next start).
struct MqttConfig {
  std::string host;                      // required
  int port = 1883;
  std::string client_id = "zcrecd";
  std::string topic_prefix = "zcrec";    // no wildcards, no leading or trailing '/'
  std::string user;                      // empty: no login
  std::string password;                  // from password_file
  int keepalive_s = 30;
  int64_t stats_interval_ns = 30'000'000'000;  // <prefix>/<camera>/stats
  int64_t queue_size = 1000;             // messages waiting for the broker; the oldest is dropped past it
  bool operator==(const MqttConfig&) const = default;
};

// The RTSP server over the cameras' rings (docs/serving.md, "In zcrecd"): absent = off. Each enabled camera is
// served at rtsp://LISTEN/<camera>. The password is read from password_file at load and never logged.
struct RtspServeConfig {
  std::string address = "127.0.0.1";
  int port = 8554;
  int max_clients = 16;   // per camera
  // A playing client that takes nothing from its queue this long is disconnected (serve::ServeOptions::
  // client_stall_timeout); 0: never.
  int64_t stall_timeout_ns = 10'000'000'000;
  int tcp_packet_bytes = 60'000;  // serve::ServeOptions::tcp_packet_bytes
  std::string user;       // empty: no authentication
  std::string password;   // from password_file
  bool operator==(const RtspServeConfig&) const = default;
};

// Publishing this host's catalog into the PostgreSQL cluster catalog (docs/cluster.md): absent = off. The
// connection string is read from postgres_url_file at load and never logged.
struct ClusterConfig {
  std::string host;        // this host's name in the cluster (required, 1..64 bytes)
  std::string conninfo;    // from postgres_url_file
  int64_t every_ns = 5'000'000'000;
  int64_t lease_ns = 15'000'000'000;  // a camera lease's length; renewed every third of it (docs/cluster.md)
  std::string api_url;                // where other hosts reach this host's API (events routed to a holder)
  std::optional<int64_t> capacity;    // at most this many cluster cameras held at once; unset: no limit
  bool operator==(const ClusterConfig&) const = default;
};

// Closed segments copied to an S3-compatible store (docs/object-storage.md): absent = off. The keys are read at
// load from access_key_file/secret_key_file, else from $AWS_ACCESS_KEY_ID/$AWS_SECRET_ACCESS_KEY, and never
// logged; a reload keeps the running settings (they take effect at the next start).
struct S3StorageConfig {
  std::string endpoint;             // http(s)://HOST[:PORT], required
  std::string bucket;               // required
  std::string region = "us-east-1";
  std::string prefix;               // object key = prefix + the segment's path ("site-a/" + "cam/12-0.mp4")
  std::string access_key, secret_key;
  std::optional<int64_t> local_max_age_ns;  // a local copy that ended longer ago goes, once it is in S3
  bool operator==(const S3StorageConfig&) const = default;
};

struct ServiceConfig {
  std::filesystem::path file;          // where it was read from (reload re-reads it)
  std::filesystem::path storage_dir;   // required
  std::string ring_prefix;             // ring name = ring_prefix + camera name (several daemons on one host)
  std::string listen = "127.0.0.1:8190";
  std::string token;                   // bearer token; required when listen is not loopback
  int64_t segment_ns = 60'000'000'000;
  catalog::RetentionPolicy retention;  // defaults for every camera
  int64_t event_max_age_ns = 30ll * 86400 * 1'000'000'000;  // footage of an event is kept at least this long
  int64_t retention_interval_ns = 60'000'000'000;
  std::vector<CameraConfig> cameras;   // in file order
  std::optional<MqttConfig> mqtt;      // unset: no MQTT
  std::optional<RtspServeConfig> rtsp; // unset: no RTSP server
  std::optional<ClusterConfig> cluster;  // unset: not published
  std::optional<S3StorageConfig> s3;   // storage.s3; unset: segments stay local only

  const CameraConfig* camera(std::string_view name) const;
  std::string ring_name(const CameraConfig& c) const { return ring_prefix + c.name; }
  // The camera's effective retention: its own fields, else the global ones.
  catalog::RetentionPolicy retention_for(const CameraConfig& c) const;
};

// Parses YAML text; `origin` names it in errors. Throws ConfigError naming the key and line of the first problem:
// unknown keys, wrong types, bad values, missing required keys, a non-loopback listen address without a token.
ServiceConfig parse_config(std::string_view yaml, const std::filesystem::path& origin);
ServiceConfig load_config(const std::filesystem::path& file);

}  // namespace zc::service
