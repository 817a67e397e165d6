// The YAML configuration, strictly: every key is known, every value has the right type and range, and each
// error names the key's dotted path and its line. yaml-cpp parses; this file only walks the tree.
#include <zc/service/config.h>
#include <zc/ingest/source_kind.h>
#include <zc/objectstore/credentials.h>
#include <zc/objectstore/error.h>
#include <zc/objectstore/s3_client.h>
#include <zc/units/units.h>

#include <yaml-cpp/yaml.h>

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <regex>
#include <set>
#include <sstream>
#include <system_error>

namespace zc::service {

ConfigError::ConfigError(std::string key, int line, const std::string& message)
    : std::runtime_error((line > 0 ? "line " + std::to_string(line) + ": " : std::string()) +
                         (key.empty() ? message : key + ": " + message)),
      key_(std::move(key)),
      line_(line) {}

const CameraConfig* ServiceConfig::camera(std::string_view name) const {
  for (const auto& c : cameras)
    if (c.name == name) return &c;
  return nullptr;
}

catalog::RetentionPolicy ServiceConfig::retention_for(const CameraConfig& c) const {
  catalog::RetentionPolicy p = retention;
  if (c.retention.quota_bytes) p.quota_bytes = c.retention.quota_bytes;
  if (c.retention.max_age_ns) p.max_age_ns = c.retention.max_age_ns;
  if (c.retention.min_free_bytes) p.min_free_bytes = c.retention.min_free_bytes;
  return p;
}

bool same_retention(const catalog::RetentionPolicy& a, const catalog::RetentionPolicy& b) {
  return a.quota_bytes == b.quota_bytes && a.max_age_ns == b.max_age_ns && a.min_free_bytes == b.min_free_bytes;
}

bool same_camera(const CameraConfig& a, const CameraConfig& b) {
  return a.name == b.name && a.source == b.source && a.testsrc == b.testsrc && a.rtsp_transport == b.rtsp_transport &&
         a.ring_size_bytes == b.ring_size_bytes && a.continuous == b.continuous && a.events == b.events &&
         same_retention(a.retention, b.retention) && a.event_max_age_ns == b.event_max_age_ns &&
         a.input_options == b.input_options && a.enabled == b.enabled && a.hosts == b.hosts && a.standby == b.standby;
}

namespace {

// A node with the dotted path that reached it, so every error can name where it is.
struct At {
  YAML::Node node;  // a handle (cheap to copy): a reference would dangle for node[i] temporaries
  std::string key;

  int line() const { return node.Mark().is_null() ? 0 : node.Mark().line + 1; }
  [[noreturn]] void fail(const std::string& message) const { throw ConfigError(key, line(), message); }
  At child(const YAML::Node& n, const std::string& name) const { return At{n, key.empty() ? name : key + "." + name}; }

  std::string scalar(const char* what) const {
    if (!node.IsScalar()) fail(std::string("must be ") + what);
    return node.Scalar();
  }
  std::string str() const { return scalar("a string"); }
  bool boolean() const {
    const std::string s = scalar("true or false");
    if (s == "true" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "no" || s == "off") return false;
    fail("must be true or false, not '" + s + "'");
  }
  int64_t integer(int64_t lo, int64_t hi) const {
    const std::string s = scalar("a whole number");
    static const std::regex re(R"(-?\d{1,18})");
    if (!std::regex_match(s, re)) fail("must be a whole number, not '" + s + "'");
    const int64_t v = std::stoll(s);
    if (v < lo || v > hi) fail("must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    return v;
  }
  int64_t duration_ns() const {
    try {
      return units::parse_duration_ns(scalar("a duration such as 5s, 10m, 7d"));
    } catch (const units::UnitsError& e) {
      fail(e.what());
    }
  }
  int64_t size_bytes() const {
    try {
      return units::parse_size_bytes(scalar("a size such as 64M or 50G"));
    } catch (const units::UnitsError& e) {
      fail(e.what());
    }
  }
  int64_t bitrate_bps() const {
    try {
      return units::parse_bitrate_bps(scalar("a bit rate such as 500k or 4M"));
    } catch (const units::UnitsError& e) {
      fail(e.what());
    }
  }
  // Calls fn(key, node) for each entry of a mapping after checking every key is one of `known`.
  template <class Fn>
  void each(std::initializer_list<const char*> known, Fn fn) const {
    if (!node.IsMap()) fail("must be a mapping of keys");
    std::set<std::string> seen;
    for (const auto& kv : node) {
      const std::string k = kv.first.Scalar();
      // YAML parsers disagree on a repeated key (yaml-cpp keeps both): say so rather than pick one.
      if (!seen.insert(k).second) {
        throw ConfigError(key.empty() ? k : key + "." + k, kv.first.Mark().line + 1, "given twice");
      }
      bool ok = false;
      for (const char* name : known) ok = ok || k == name;
      if (!ok) {
        std::string list;
        for (const char* name : known) list += (list.empty() ? "" : ", ") + std::string(name);
        throw ConfigError(key.empty() ? k : key + "." + k, kv.first.Mark().line + 1,
                          "unknown key (known here: " + list + ")");
      }
      fn(k, child(kv.second, k));
    }
  }
};

const std::regex& name_pattern() {
  static const std::regex re(R"([A-Za-z0-9_][A-Za-z0-9_.-]{0,63})");
  return re;
}

void read_retention(const At& at, catalog::RetentionPolicy& p, std::optional<int64_t>& event_max_age) {
  at.each({"max_age", "quota", "min_free", "event_max_age"}, [&](const std::string& k, const At& v) {
    if (k == "max_age") p.max_age_ns = v.duration_ns();
    if (k == "quota") p.quota_bytes = v.size_bytes();
    if (k == "min_free") p.min_free_bytes = v.size_bytes();
    if (k == "event_max_age") event_max_age = v.duration_ns();
  });
}

void read_events(const At& at, EventRecordingConfig& e) {
  if (at.node.IsScalar()) {  // events: on / off
    e.enabled = at.boolean();
    return;
  }
  at.each({"enabled", "preroll", "postroll", "max_length"}, [&](const std::string& k, const At& v) {
    if (k == "enabled") e.enabled = v.boolean();
    if (k == "preroll") e.preroll_ns = v.duration_ns();
    if (k == "postroll") e.postroll_ns = v.duration_ns();
    if (k == "max_length") {
      e.max_length_ns = v.duration_ns();
      if (*e.max_length_ns == 0) v.fail("must be longer than 0");
    }
  });
}

void read_testsrc(const At& at, TestsrcConfig& t) {
  at.each({"size", "fps", "gop", "codec", "bitrate", "audio"}, [&](const std::string& k, const At& v) {
    if (k == "size") {
      t.size = v.str();
      static const std::regex re(R"(\d{2,5}x\d{2,5})");
      if (!std::regex_match(t.size, re)) v.fail("must be WIDTHxHEIGHT, e.g. 640x360");
    }
    if (k == "fps") t.fps = static_cast<int>(v.integer(1, 240));
    if (k == "gop") {
      const int64_t ns = v.duration_ns();
      if (ns < 1'000'000) v.fail("must be at least 1ms");
      t.gop_ms = ns / 1'000'000;
    }
    if (k == "codec") {
      t.codec = v.str();
      if (t.codec != "h264" && t.codec != "h265") v.fail("must be h264 or h265");
    }
    if (k == "bitrate") t.bitrate_bps = v.bitrate_bps();
    if (k == "audio") t.audio = v.boolean();
  });
}

// A path given as a camera's source (a media file, a FIFO, a device; not testsrc nor SCHEME://...).
bool is_path_source(const std::string& source) {
  if (source == "push") return false;
  const ingest::SourceChoice c = ingest::classify_source(source);
  return (c.kind == ingest::SourceKind::file || c.kind == ingest::SourceKind::live_path) && c.scheme.empty();
}

// A camera's source must be something the ingest can open: testsrc, a URL of a scheme libavformat reads live
// streams from, with a host (or a file:// URL of a file that exists), or a media file that exists. Anything else
// (a mistyped "rtsp//cam/x", a file that is not there) is refused here, with its key and line, rather than found
// out by an ingest that fails and restarts forever. A relative file is relative to the configuration file, as
// storage.dir is; `source` is returned with that applied.
std::string checked_source(const At& v, const std::string& source, const std::filesystem::path& base) {
  if (source == "push") return source;  // a file named push is ./push
  const ingest::SourceChoice choice = ingest::classify_source(source);
  if (choice.kind == ingest::SourceKind::synthetic_camera) return source;
  if (!choice.scheme.empty()) {
    const auto sep = source.find("://");
    const std::string scheme = source.substr(0, sep);
    const std::string& lower = choice.scheme;
    static const std::set<std::string> known{"rtsp", "rtsps", "rtmp", "rtmps", "http", "https", "udp",
                                             "rtp",  "srt",   "tcp",  "file"};
    if (known.count(lower) == 0) {
      v.fail("'" + scheme + "://' is not a URL scheme zcrecd reads cameras from (rtsp, rtsps, rtmp, rtmps, http, "
             "https, udp, rtp, srt, tcp, file)");
    }
    const std::string rest = source.substr(sep + 3);
    if (lower == "file") {
      std::error_code ec;
      if (rest.empty() || !std::filesystem::exists(rest, ec)) v.fail("no such file: " + rest);
      return source;
    }
    const auto host_end = rest.find_first_of("/?#");
    if (rest.substr(0, host_end).empty() || rest.substr(0, host_end).back() == '@') v.fail("the URL has no host");
    return source;
  }
  std::filesystem::path file(source);
  if (file.is_relative() && !base.empty()) file = base / file;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    v.fail("'" + source + "' is neither a URL (SCHEME://HOST/...), testsrc, nor an existing file" +
           (file.string() != source ? " (looked for " + file.string() + ")" : std::string()));
  }
  return file.string();
}

CameraConfig read_camera(const At& at, const std::string& name, const std::filesystem::path& base) {
  CameraConfig c;
  c.name = name;
  if (!std::regex_match(name, name_pattern())) {
    at.fail("a camera name must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,63} (it names the ring and a directory)");
  }
  bool has_source = false;
  at.each({"source", "testsrc", "transport", "ring_size", "record", "retention", "input_options", "enabled", "hosts",
           "standby"},
          [&](const std::string& k, const At& v) {
            if (k == "enabled") c.enabled = v.boolean();
            if (k == "standby") c.standby = v.boolean();
            if (k == "hosts") {
              if (!v.node.IsSequence() || v.node.size() == 0) v.fail("must be a list of cluster host names");
              for (size_t i = 0; i < v.node.size(); ++i) {
                const At item = v.child(v.node[i], std::to_string(i));
                const std::string h = item.str();
                if (h.empty() || h.size() > 64) item.fail("must be 1 to 64 bytes");
                if (std::find(c.hosts.begin(), c.hosts.end(), h) != c.hosts.end()) item.fail("listed twice");
                c.hosts.push_back(h);
              }
            }
            if (k == "source") {
              c.source = v.str();
              if (c.source.empty()) v.fail("must not be empty");
              c.source = checked_source(v, c.source, base);
              has_source = true;
            }
            if (k == "testsrc") read_testsrc(v, c.testsrc);
            if (k == "transport") {
              c.rtsp_transport = v.str();
              if (c.rtsp_transport != "tcp" && c.rtsp_transport != "udp") v.fail("must be tcp or udp");
            }
            if (k == "ring_size") {
              c.ring_size_bytes = v.size_bytes();
              if (c.ring_size_bytes < (1 << 20)) v.fail("must be at least 1M");
            }
            if (k == "record") {
              v.each({"continuous", "events"}, [&](const std::string& rk, const At& rv) {
                if (rk == "continuous") c.continuous = rv.boolean();
                if (rk == "events") read_events(rv, c.events);
              });
            }
            if (k == "retention") read_retention(v, c.retention, c.event_max_age_ns);
            if (k == "input_options") {
              if (!v.node.IsSequence()) v.fail("must be a list of KEY=VALUE strings");
              for (size_t i = 0; i < v.node.size(); ++i) {
                const At item = v.child(v.node[i], std::to_string(i));
                const std::string s = item.str();
                if (s.find('=') == std::string::npos || s.front() == '=') item.fail("must be KEY=VALUE");
                c.input_options.push_back(s);
              }
            }
          });
  if (!has_source) at.fail("a camera needs a source (a URL, testsrc, a file path, or push)");
  if (c.standby && c.hosts.empty()) at.fail("standby: needs hosts: (the cluster hosts that may record the camera)");
  // A pushed camera's writer is the pusher, which pushes to one host: another host could not take it over.
  if (c.pushed() && !c.hosts.empty()) at.fail("hosts: a pushed camera (source: push) cannot move between hosts");
  return c;
}

RtspServeConfig read_rtsp(const At& at) {
  RtspServeConfig r;
  at.each({"listen", "max_clients", "stall_timeout", "tcp_packet_bytes", "user", "password_file"}, [&](const std::string& k, const At& v) {
    if (k == "listen") {
      const std::string listen = v.str();
      static const std::regex re(R"((\[([0-9a-fA-F:]+)\]|([0-9.]+)):(\d{1,5}))");
      std::smatch m;
      if (!std::regex_match(listen, m, re) || std::stoi(m[4].str()) > 65535)
        v.fail("must be ADDRESS:PORT with an IP address, e.g. 127.0.0.1:8554 or 0.0.0.0:8554");
      r.address = m[2].matched ? m[2].str() : m[3].str();
      r.port = std::stoi(m[4].str());
      // An address that only looks like one (999.1.1.1) failed at start with GLib's "Error resolving".
      in6_addr a6{};
      in_addr a4{};
      if (::inet_pton(m[2].matched ? AF_INET6 : AF_INET, r.address.c_str(), m[2].matched ? static_cast<void*>(&a6) : &a4) != 1)
        v.fail("'" + r.address + "' is not an IP address");
    }
    if (k == "max_clients") r.max_clients = static_cast<int>(v.integer(1, 256));
    if (k == "stall_timeout") {
      r.stall_timeout_ns = v.duration_ns();
      if (r.stall_timeout_ns != 0 && r.stall_timeout_ns < 1'000'000'000) v.fail("must be 0 (never) or at least 1s");
    }
    if (k == "tcp_packet_bytes") r.tcp_packet_bytes = static_cast<int>(v.integer(1400, 65535));
    if (k == "user") {
      r.user = v.str();
      if (r.user.empty()) v.fail("must not be empty");
      if (r.user.find(':') != std::string::npos) v.fail("must be a user name without ':'");
      if (std::any_of(r.user.begin(), r.user.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
        v.fail("must not contain control characters");
    }
    if (k == "password_file") {
      std::ifstream in(v.str());
      if (!in) v.fail("cannot read " + v.str());
      std::getline(in, r.password);
      while (!r.password.empty() && std::isspace(static_cast<unsigned char>(r.password.back()))) r.password.pop_back();
      if (r.password.empty()) v.fail(v.str() + " holds no password");
    }
  });
  if (r.user.empty() != r.password.empty()) at.fail("user and password_file go together");
  return r;
}

ClusterConfig read_cluster(const At& at) {
  ClusterConfig c;
  bool has_host = false, has_url = false;
  at.each({"host", "postgres_url_file", "every", "lease", "api_url", "capacity"}, [&](const std::string& k, const At& v) {
    if (k == "lease") {
      c.lease_ns = v.duration_ns();
      if (c.lease_ns < 1'000'000'000 || c.lease_ns > 600'000'000'000) v.fail("must be between 1s and 10m");
    }
    if (k == "api_url") {
      c.api_url = v.str();
      static const std::regex re(R"(https?://[^\s/?#]+)");
      if (!std::regex_match(c.api_url, re)) v.fail("must be http://HOST:PORT (no path), e.g. http://10.0.0.2:8190");
    }
    if (k == "capacity") c.capacity = v.integer(1, 100'000);
    if (k == "host") {
      c.host = v.str();
      if (c.host.empty() || c.host.size() > 64) v.fail("must be 1 to 64 bytes");
      has_host = true;
    }
    if (k == "postgres_url_file") {
      std::ifstream in(v.str());
      if (!in) v.fail("cannot read " + v.str());
      std::getline(in, c.conninfo);
      while (!c.conninfo.empty() && std::isspace(static_cast<unsigned char>(c.conninfo.back()))) c.conninfo.pop_back();
      if (c.conninfo.empty()) v.fail(v.str() + " holds no connection string");
      has_url = true;
    }
    if (k == "every") {
      c.every_ns = v.duration_ns();
      if (c.every_ns < 100'000'000) v.fail("must be at least 100ms");
    }
  });
  if (!has_host) at.fail("host: required (this host's name in the cluster)");
  // Without the file: the environment, as for `zcrec cluster` (a systemd unit's EnvironmentFile= or credential).
  if (!has_url) {
    const char* env = std::getenv("ZCREC_POSTGRES_URL");
    if (env == nullptr || *env == '\0')
      at.fail("postgres_url_file: required, or $ZCREC_POSTGRES_URL (the connection string is never written in this file)");
    c.conninfo = env;
  }
  return c;
}

MqttConfig read_mqtt(const At& at) {
  MqttConfig m;
  bool has_host = false;
  // A topic level may not hold MQTT's wildcards; an empty level ("a//b") is legal MQTT but surely a typo here.
  const auto topic_part = [](const At& v, const std::string& s, size_t max) {
    if (s.empty() || s.size() > max) v.fail("must be 1 to " + std::to_string(max) + " characters");
    if (s.find_first_of("+#") != std::string::npos) v.fail("must not contain the MQTT wildcards + and #");
    for (char ch : s)
      if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) v.fail("must not contain control characters");
  };
  at.each({"host", "port", "client_id", "topic_prefix", "user", "password_file", "keepalive", "stats_interval",
              "queue_size"},
          [&](const std::string& k, const At& v) {
            if (k == "host") {
              m.host = v.str();
              static const std::regex re(R"([A-Za-z0-9_.:-]{1,253})");
              if (!std::regex_match(m.host, re)) v.fail("must be a host name or address");
              has_host = true;
            }
            if (k == "port") m.port = static_cast<int>(v.integer(1, 65535));
            if (k == "client_id") {
              m.client_id = v.str();
              topic_part(v, m.client_id, 64);
              if (m.client_id.find('/') != std::string::npos) v.fail("must not contain '/'");
            }
            if (k == "topic_prefix") {
              m.topic_prefix = v.str();
              topic_part(v, m.topic_prefix, 64);
              if (m.topic_prefix.front() == '/' || m.topic_prefix.back() == '/' ||
                  m.topic_prefix.find("//") != std::string::npos)
                v.fail("must not start or end with '/' nor hold an empty level");
            }
            if (k == "user") {
              m.user = v.str();
              if (m.user.empty()) v.fail("must not be empty (leave the key out for no login)");
            }
            if (k == "password_file") {
              std::ifstream in(v.str());
              if (!in) v.fail("cannot read " + v.str());
              std::getline(in, m.password);
              while (!m.password.empty() && std::isspace(static_cast<unsigned char>(m.password.back())))
                m.password.pop_back();
              if (m.password.empty()) v.fail(v.str() + " holds no password");  // never the password itself
            }
            if (k == "keepalive") {
              const int64_t ns = v.duration_ns();
              if (ns < 5'000'000'000 || ns > 3600'000'000'000) v.fail("must be between 5s and 1h");
              m.keepalive_s = static_cast<int>(ns / 1'000'000'000);
            }
            if (k == "queue_size") m.queue_size = v.integer(1, 1'000'000);
            if (k == "stats_interval") {
              m.stats_interval_ns = v.duration_ns();
              if (m.stats_interval_ns < 1'000'000'000) v.fail("must be at least 1s");
            }
          });
  if (!has_host) throw ConfigError(at.key + ".host", at.line(), "required: the broker's host name or address");
  if (!m.password.empty() && m.user.empty())
    throw ConfigError(at.key + ".user", at.line(), "required with password_file");
  return m;
}

// storage.s3 (docs/object-storage.md). The endpoint and bucket are checked by the client's own rules.
S3StorageConfig read_s3(const At& at) {
  S3StorageConfig c;
  std::string access_file, secret_file;
  at.each({"endpoint", "bucket", "region", "prefix", "access_key_file", "secret_key_file", "local_max_age"},
          [&](const std::string& k, const At& v) {
            if (k == "endpoint") c.endpoint = v.str();
            if (k == "bucket") c.bucket = v.str();
            if (k == "region") {
              c.region = v.str();
              static const std::regex re(R"([a-z0-9-]{1,64})");
              if (!std::regex_match(c.region, re)) v.fail("must be a region name such as us-east-1");
            }
            if (k == "prefix") {
              c.prefix = v.str();
              static const std::regex re(R"(([A-Za-z0-9_.-]+/)*)");
              if (c.prefix.size() > 256 || !std::regex_match(c.prefix, re))
                v.fail("must be empty or folder names each ending in '/', e.g. site-a/");
            }
            if (k == "access_key_file") access_file = v.str();
            if (k == "secret_key_file") secret_file = v.str();
            if (k == "local_max_age") c.local_max_age_ns = v.duration_ns();
          });
  if (c.endpoint.empty()) throw ConfigError(at.key + ".endpoint", at.line(), "required: http(s)://HOST[:PORT]");
  if (c.bucket.empty()) throw ConfigError(at.key + ".bucket", at.line(), "required");
  try {
    objectstore::S3Client check({c.endpoint, c.bucket, c.region, {}});
  } catch (const objectstore::ObjectStoreError& e) {
    at.fail(e.what());
  }
  if (access_file.empty() != secret_file.empty())
    at.fail("access_key_file and secret_key_file go together (or neither: $AWS_ACCESS_KEY_ID, $AWS_SECRET_ACCESS_KEY)");
  try {
    const auto keys = access_file.empty() ? objectstore::credentials_from_environment()
                                          : objectstore::credentials_from_files(access_file, secret_file);
    c.access_key = keys.access_key;
    c.secret_key = keys.secret_key;
  } catch (const objectstore::ObjectStoreError& e) {
    at.fail(e.what());  // names the file or the variable, never a key
  }
  return c;
}

bool loopback(const std::string& listen) {
  const auto colon = listen.rfind(':');
  const std::string host = listen.substr(0, colon);
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host == "::1" ||
         host.rfind("127.", 0) == 0;
}

}  // namespace

ServiceConfig parse_config(std::string_view yaml, const std::filesystem::path& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    throw ConfigError("", e.mark.is_null() ? 0 : e.mark.line + 1, origin.string() + ": not valid YAML: " + e.msg);
  }
  ServiceConfig cfg;
  cfg.file = origin;
  const At top{root, ""};
  if (!root.IsMap()) top.fail(origin.string() + " must be a YAML mapping (storage:, api:, cameras:)");
  bool has_dir = false;
  std::optional<int64_t> event_max_age;
  top.each({"storage", "api", "cameras", "retention", "ring_prefix", "mqtt", "rtsp", "cluster"}, [&](const std::string& k, const At& v) {
    if (k == "storage") {
      v.each({"dir", "segment", "retention_interval", "s3"}, [&](const std::string& sk, const At& sv) {
        if (sk == "s3") cfg.s3 = read_s3(sv);
        if (sk == "dir") {
          cfg.storage_dir = sv.str();
          if (cfg.storage_dir.empty()) sv.fail("must not be empty");
          has_dir = true;
        }
        if (sk == "segment") {
          cfg.segment_ns = sv.duration_ns();
          if (cfg.segment_ns < 1'000'000'000) sv.fail("must be at least 1s");
        }
        if (sk == "retention_interval") {
          cfg.retention_interval_ns = sv.duration_ns();
          if (cfg.retention_interval_ns < 1'000'000'000) sv.fail("must be at least 1s");
        }
      });
    }
    if (k == "api") {
      v.each({"listen", "token", "token_file"}, [&](const std::string& ak, const At& av) {
        if (ak == "listen") {
          cfg.listen = av.str();
          static const std::regex re(R"((\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.-]+):(\d{1,5}))");
          std::smatch m;
          if (!std::regex_match(cfg.listen, m, re) || std::stoi(m[2].str()) > 65535)
            av.fail("must be HOST:PORT, e.g. 127.0.0.1:8190");
        }
        if (ak == "token") {
          cfg.token = av.str();
          if (cfg.token.size() < 16) av.fail("must be at least 16 characters");
        }
        if (ak == "token_file") {
          std::ifstream in(av.str());
          if (!in) av.fail("cannot read " + av.str());
          std::getline(in, cfg.token);
          while (!cfg.token.empty() && std::isspace(static_cast<unsigned char>(cfg.token.back()))) cfg.token.pop_back();
          if (cfg.token.size() < 16) av.fail(av.str() + " must hold a token of at least 16 characters");
        }
      });
    }
    if (k == "retention") read_retention(v, cfg.retention, event_max_age);
    if (k == "mqtt") cfg.mqtt = read_mqtt(v);
    if (k == "rtsp") cfg.rtsp = read_rtsp(v);
    if (k == "cluster") cfg.cluster = read_cluster(v);
    if (k == "ring_prefix") {
      cfg.ring_prefix = v.str();
      static const std::regex re(R"([A-Za-z0-9_][A-Za-z0-9_.-]{0,31})");
      if (!std::regex_match(cfg.ring_prefix, re)) v.fail("must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,31}");
    }
    if (k == "cameras") {
      if (!v.node.IsMap()) v.fail("must be a mapping of camera name to camera");
      std::set<std::string> seen;
      for (const auto& kv : v.node) {
        const std::string name = kv.first.Scalar();
        const At cam = v.child(kv.second, name);
        if (!seen.insert(name).second) cam.fail("camera defined twice");
        cfg.cameras.push_back(read_camera(cam, name, origin.parent_path()));
      }
    }
  });
  if (event_max_age) cfg.event_max_age_ns = *event_max_age;
  if (!has_dir) throw ConfigError("storage.dir", 0, "required: the storage directory (catalog.db and segments)");
  if (!loopback(cfg.listen) && cfg.token.empty()) {
    throw ConfigError("api.token", 0, "listening on " + cfg.listen + " (not loopback) requires api.token or api.token_file");
  }
  for (const auto& c : cfg.cameras) {
    if ((cfg.ring_prefix + c.name).size() > 64) throw ConfigError("cameras." + c.name, 0, "ring_prefix + name is longer than 64");
    if (!c.hosts.empty() && !cfg.cluster)
      throw ConfigError("cameras." + c.name + ".hosts", 0, "needs the cluster: block (leases live in its PostgreSQL)");
    if (!c.pushed()) continue;
    // Pushers connect to zcrecd's RTSP server: without one, nothing could ever feed the camera.
    if (!cfg.rtsp)
      throw ConfigError("cameras." + c.name + ".source", 0,
                        "push needs the rtsp: block (the encoder pushes to rtsp://LISTEN/" + c.name + ")");
    // Anyone who can reach the server could otherwise write the camera's footage.
    if (!loopback(cfg.rtsp->address + ":" + std::to_string(cfg.rtsp->port)) && cfg.rtsp->user.empty())
      throw ConfigError("rtsp.user", 0,
                        "camera " + c.name + " is pushed over rtsp.listen " + cfg.rtsp->address +
                            " (not loopback): set rtsp.user and rtsp.password_file so that only your encoder can push");
  }
  if (cfg.rtsp) {
    // The same port as the API's on the same address (or on every address) would fail at start, blamed on
    // whichever binds second.
    const auto colon = cfg.listen.rfind(':');
    const std::string api_host = cfg.listen.substr(0, colon), api_port = cfg.listen.substr(colon + 1);
    const std::string rtsp_host = cfg.rtsp->address.find(':') != std::string::npos ? "[" + cfg.rtsp->address + "]" : cfg.rtsp->address;
    const bool any = rtsp_host == "0.0.0.0" || rtsp_host == "[::]" || api_host == "0.0.0.0" || api_host == "[::]";
    if (api_port == std::to_string(cfg.rtsp->port) && (any || api_host == rtsp_host))
      throw ConfigError("rtsp.listen", 0, "uses the port of api.listen (" + cfg.listen + "): choose another, e.g. 8554");
  }
  return cfg;
}

ServiceConfig load_config(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw ConfigError("", 0, "cannot read the configuration file " + file.string());
  std::stringstream ss;
  ss << in.rdbuf();
  ServiceConfig cfg = parse_config(ss.str(), file);
  // A relative storage directory is relative to the config file, not to wherever the daemon was started.
  if (cfg.storage_dir.is_relative()) cfg.storage_dir = std::filesystem::absolute(file).parent_path() / cfg.storage_dir;
  // So is a camera's media file (parse_config checked it relative to the file's directory).
  for (auto& c : cfg.cameras) {
    if (is_path_source(c.source)) c.source = std::filesystem::absolute(c.source).string();
  }
  return cfg;
}

}  // namespace zc::service
