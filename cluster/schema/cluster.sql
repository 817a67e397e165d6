-- zcrec cluster catalog, PostgreSQL 15. This file is the source of truth: it is embedded into zc::cluster and
-- creates the current version (2) in an empty database; upgrade_<n>_to_<n+1>.sql bring older ones to it
-- (cluster/src/migrations.cpp); docs/cluster.md explains it. Every row
-- belongs to the host that recorded it and is keyed by that host's local catalog id: a host publishes its own
-- rows only (idempotent upserts, docs/cluster.md "Publishing"), so hosts never write the same row.
-- Units are in column names as in the local catalog: *_wall_ns CLOCK_REALTIME nanoseconds since the Unix epoch,
-- *_ns durations in nanoseconds, *_90k media time in 1/90000 s, *_bytes bytes.

CREATE TABLE host (
  name text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
  first_seen_wall_ns bigint NOT NULL,
  last_publish_wall_ns bigint NOT NULL,        -- the host's clock when its newest publish began
  last_publish_db_wall_ns bigint NOT NULL,     -- the database's clock when that publish committed
  segments bigint NOT NULL DEFAULT 0,          -- rows of the host after that publish
  recordings bigint NOT NULL DEFAULT 0,
  events bigint NOT NULL DEFAULT 0,
  api_url text NOT NULL DEFAULT '',            -- where its HTTP API answers other hosts ('' unknown); version 2
  upload_queue bigint NOT NULL DEFAULT 0       -- closed segments not yet copied to S3, at its newest publish; v2
);

CREATE TABLE recording (
  host text NOT NULL REFERENCES host (name),
  local_id bigint NOT NULL,
  stream text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('event', 'continuous')),
  trigger_wall_ns bigint NOT NULL,
  start_wall_ns bigint,
  end_wall_ns bigint,
  preroll_requested_ns bigint NOT NULL,
  preroll_achieved_ns bigint,
  state text NOT NULL,
  end_reason text,
  locked boolean NOT NULL,
  frames_lost bigint NOT NULL,
  lease_epoch bigint,                          -- the camera lease's epoch it was recorded under; NULL: no lease
  PRIMARY KEY (host, local_id)
);

CREATE TABLE segment (
  host text NOT NULL REFERENCES host (name),
  local_id bigint NOT NULL,
  recording_local_id bigint NOT NULL,
  stream text NOT NULL,
  ordinal bigint NOT NULL,
  path text NOT NULL,                          -- relative to the host's storage directory
  start_wall_ns bigint NOT NULL,
  end_wall_ns bigint NOT NULL,
  start_pts_90k bigint NOT NULL,
  duration_90k bigint NOT NULL,
  frames bigint NOT NULL,
  keyframes bigint NOT NULL,
  size_bytes bigint NOT NULL,
  video_codec text NOT NULL,
  width integer NOT NULL,
  height integer NOT NULL,
  audio_codec text NOT NULL,                   -- '' without audio
  state text NOT NULL,                         -- writing | complete | recovered | deleting
  end_reason text NOT NULL,                    -- '' while writing
  lease_epoch bigint,                          -- its recording's
  location text NOT NULL DEFAULT 'local',      -- where its copies are: local (the host's disk), both, s3; version 2
  s3_key text,                                 -- the object's key in the host's S3 bucket; NULL while local only
  PRIMARY KEY (host, local_id)
);
-- A camera's timeline across hosts: the cluster's most frequent query.
CREATE INDEX segment_by_stream_time ON segment (stream, start_wall_ns);

CREATE TABLE event (
  host text NOT NULL REFERENCES host (name),
  local_id bigint NOT NULL,
  stream text NOT NULL,
  label text NOT NULL,
  score double precision,
  metadata_json text NOT NULL,                 -- '' when none
  trigger_wall_ns bigint NOT NULL,
  start_wall_ns bigint NOT NULL,
  end_wall_ns bigint,
  preroll_ns bigint NOT NULL,
  postroll_ns bigint NOT NULL,
  recording_local_id bigint,
  state text NOT NULL,
  end_reason text NOT NULL,                    -- '' while open
  lease_epoch bigint,                          -- its recording's (NULL before it has one)
  PRIMARY KEY (host, local_id)
);
CREATE INDEX event_by_stream_time ON event (stream, start_wall_ns);

CREATE TABLE gap (
  host text NOT NULL REFERENCES host (name),
  local_id bigint NOT NULL,
  stream text NOT NULL,
  recording_local_id bigint NOT NULL,
  start_wall_ns bigint NOT NULL,
  end_wall_ns bigint NOT NULL,
  frames_lost bigint NOT NULL,
  reason text NOT NULL,
  PRIMARY KEY (host, local_id)
);

-- Camera leases (version 2; docs/cluster.md, "Leases and epochs"). Times are the database's clock only: a host
-- never compares its own clock with expires_db_wall_ns. One row per camera that any host has asked for; host ''
-- and epoch 0 until someone holds it. A takeover by another host raises epoch by one; a host renewing its own
-- lease, even a lapsed one nobody took, keeps it.
CREATE TABLE camera_lease (
  camera text PRIMARY KEY,
  host text NOT NULL,
  epoch bigint NOT NULL CHECK (epoch >= 0),
  granted_db_wall_ns bigint NOT NULL,          -- when this epoch began
  expires_db_wall_ns bigint NOT NULL           -- renewals move it on
);

-- Every epoch of every camera: who held it and from which footage time on. from_wall_ns is where the new
-- holder's recording begins (the camera's newest footage end in this catalog at the takeover, or the takeover
-- time): footage of an older epoch from that time on is never shown as current (cluster_reader.cpp).
CREATE TABLE camera_epoch (
  camera text NOT NULL,
  epoch bigint NOT NULL CHECK (epoch >= 1),
  host text NOT NULL,
  granted_db_wall_ns bigint NOT NULL,
  from_wall_ns bigint NOT NULL,
  PRIMARY KEY (camera, epoch)
);
