// What any host reads from the cluster catalog (docs/cluster.md): the hosts and how fresh their rows are, and a
// camera's footage across every host.
#pragma once

#include <zc/cluster/pg_connection.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace zc::cluster {

struct HostStatus {
  std::string name;
  int64_t last_publish_wall_ns = 0;     // the host's clock when its newest publish began
  int64_t last_publish_db_wall_ns = 0;  // the database's clock when it committed
  int64_t lag_ns = 0;                   // the database's clock now minus last_publish_db_wall_ns
  int64_t segments = 0, recordings = 0, events = 0;
  int64_t upload_queue = 0;  // closed segments waiting for their S3 copy, at its newest publish
};

struct ClusterSegment {
  std::string host;
  int64_t local_id = 0;
  std::string camera;
  std::string path;  // relative to that host's storage directory
  int64_t start_wall_ns = 0, end_wall_ns = 0;
  int64_t frames = 0, size_bytes = 0;
  std::string state;
  std::optional<int64_t> lease_epoch;  // none: its camera had no lease
  // Where it stops being current: end_wall_ns, or earlier when a later epoch of its camera begins inside it.
  int64_t current_end_wall_ns = 0;
  std::string location;  // local | both | s3 (on `host`'s disk, in S3, or both)
  std::string s3_key;    // '' while local only
  std::string video_codec, audio_codec;
  int64_t width = 0, height = 0, keyframes = 0, ordinal = 0;
  std::string host_api_url;  // where `host` said its API answers ('' unknown)
};

struct ClusterCamera {
  std::string camera;
  std::string host;               // the host that recorded its newest footage
  int64_t newest_end_wall_ns = 0;
};

// Every camera with footage in the cluster, by name: a loose index scan over (stream, start_wall_ns), so it costs
// a few index probes per camera, not a pass over every segment. Throws like PgConnection::exec.
std::vector<ClusterCamera> cluster_cameras(PgConnection& pg);

// Hosts by name. Throws like PgConnection::exec.
std::vector<HostStatus> cluster_hosts(PgConnection& pg);
// Segments of `camera` on every host overlapping [from, to), in time order (start_wall_ns, host, local_id);
// 'deleting' ones left out, as the local catalog's listings do, and so is footage of an older lease epoch after a
// later epoch began (lease.h).
std::vector<ClusterSegment> cluster_segments(PgConnection& pg, const std::string& camera, int64_t from_wall_ns,
                                             int64_t to_wall_ns);

}  // namespace zc::cluster
