-- zcrec catalog schema. This file is the source of truth: it is embedded into zc::catalog at build time and
-- run on an empty database; docs/catalog.md explains it. Units are in column names: *_wall_ns are
-- CLOCK_REALTIME nanoseconds since the Unix epoch, *_mono_ns CLOCK_MONOTONIC nanoseconds, *_90k media time
-- in 1/90000 s, *_bytes bytes. The version lives in PRAGMA user_version; upgrade steps are the files
-- upgrade_<from>_to_<to>.sql next to this one, each bringing a catalog of the previous version to this text.

CREATE TABLE stream (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
  created_wall_ns INTEGER NOT NULL
);

-- One row per start of the recorder (one trigger with its pre-roll, post-roll and re-triggers).
CREATE TABLE recording (
  id INTEGER PRIMARY KEY,
  stream_id INTEGER NOT NULL REFERENCES stream (id),
  trigger_wall_ns INTEGER NOT NULL,         -- capture time of the newest frame in the ring at start (T)
  trigger_mono_ns INTEGER NOT NULL,
  preroll_requested_ns INTEGER NOT NULL CHECK (preroll_requested_ns >= 0),
  preroll_achieved_ns INTEGER CHECK (preroll_achieved_ns IS NULL OR preroll_achieved_ns >= 0),
  postroll_ns INTEGER NOT NULL CHECK (postroll_ns >= 0),
  max_length_ns INTEGER CHECK (max_length_ns IS NULL OR max_length_ns > 0),
  start_wall_ns INTEGER,                    -- anchored wall time of the first recorded frame
  end_wall_ns INTEGER CHECK (end_wall_ns IS NULL OR start_wall_ns IS NULL OR end_wall_ns >= start_wall_ns),
  state TEXT NOT NULL DEFAULT 'recording' CHECK (state IN ('recording', 'complete', 'interrupted')),
  end_reason TEXT CHECK (end_reason IS NULL OR end_reason IN
    ('stopped', 'duration', 'max_length', 'writer_gone', 'error', 'crashed')),
  locked INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1)),
  recorder_pid INTEGER NOT NULL,
  frames_lost INTEGER NOT NULL DEFAULT 0 CHECK (frames_lost >= 0),
  -- 'event': started for one trigger (zcrec start, an event without continuous recording); 'continuous': the
  -- rolling recording of a camera that events lie over. Last column: version 3 added it with ALTER TABLE.
  kind TEXT NOT NULL DEFAULT 'event' CHECK (kind IN ('event', 'continuous')),
  -- The cluster lease's epoch this host held the camera under while it recorded this (docs/cluster.md, "Leases and
  -- epochs"); NULL for a camera without a lease. Version 5 added it with ALTER TABLE.
  lease_epoch INTEGER CHECK (lease_epoch IS NULL OR lease_epoch >= 1)
);
CREATE INDEX recording_by_stream_time ON recording (stream_id, trigger_wall_ns);
CREATE INDEX recording_unfinished ON recording (state) WHERE state = 'recording';

-- One fragmented MP4 file. The file exists (and its directory entry is fsynced) before its row is inserted;
-- a row in state 'deleting' may or may not still have its file (two-phase delete, see docs/recording.md).
CREATE TABLE segment (
  id INTEGER PRIMARY KEY,
  recording_id INTEGER NOT NULL REFERENCES recording (id),
  stream_id INTEGER NOT NULL REFERENCES stream (id),
  ordinal INTEGER NOT NULL CHECK (ordinal >= 0),   -- position within its recording
  path TEXT NOT NULL UNIQUE,                        -- relative to the storage directory
  start_wall_ns INTEGER NOT NULL,
  end_wall_ns INTEGER NOT NULL CHECK (end_wall_ns >= start_wall_ns),
  start_pts_90k INTEGER NOT NULL,                   -- media time of the first frame (ring pts in 1/90000 s)
  duration_90k INTEGER NOT NULL DEFAULT 0 CHECK (duration_90k >= 0),
  frames INTEGER NOT NULL DEFAULT 0 CHECK (frames >= 0),          -- video frames
  keyframes INTEGER NOT NULL DEFAULT 0 CHECK (keyframes >= 0 AND keyframes <= frames),
  size_bytes INTEGER NOT NULL DEFAULT 0 CHECK (size_bytes >= 0),  -- durable bytes (complete fragments)
  video_codec TEXT NOT NULL CHECK (video_codec IN ('h264', 'h265')),
  width INTEGER NOT NULL CHECK (width > 0),
  height INTEGER NOT NULL CHECK (height > 0),
  video_config BLOB NOT NULL,                       -- SPS/PPS(/VPS), Annex-B
  audio_codec TEXT CHECK (audio_codec IS NULL OR audio_codec = 'aac'),
  audio_sample_rate INTEGER CHECK (audio_sample_rate IS NULL OR audio_sample_rate > 0),
  audio_channels INTEGER CHECK (audio_channels IS NULL OR audio_channels > 0),
  audio_frames INTEGER NOT NULL DEFAULT 0 CHECK (audio_frames >= 0),
  state TEXT NOT NULL DEFAULT 'writing' CHECK (state IN ('writing', 'complete', 'recovered', 'deleting')),
  end_reason TEXT CHECK (end_reason IS NULL OR end_reason IN
    ('length', 'params_changed', 'discontinuity', 'stopped', 'error', 'recovered')),
  -- Where its copies live (docs/object-storage.md): 'local' the file only; 'both' the file and an S3 object whose
  -- size a HEAD confirmed; 's3' the object only (local retention removed the file). s3_key (in the configured
  -- bucket) and s3_uploaded_wall_ns (when the copy was confirmed) are set exactly when an object exists.
  -- Last columns: version 4 added them with ALTER TABLE.
  location TEXT NOT NULL DEFAULT 'local' CHECK (location IN ('local', 'both', 's3')),
  s3_key TEXT CHECK ((s3_key IS NULL) = (location = 'local')),
  s3_uploaded_wall_ns INTEGER CHECK ((s3_uploaded_wall_ns IS NULL) = (location = 'local'))
);
CREATE INDEX segment_by_stream_time ON segment (stream_id, start_wall_ns);
CREATE INDEX segment_by_recording ON segment (recording_id, ordinal);
-- What a crash may have left unfinished (docs/recording.md, "Bounded startup"): startup reads only these rows.
CREATE INDEX segment_unfinished ON segment (state) WHERE state IN ('writing', 'deleting');
-- The uploader's queue (docs/object-storage.md): closed segments with no S3 copy yet, read oldest first.
CREATE INDEX segment_upload_pending ON segment (id) WHERE location = 'local' AND state IN ('complete', 'recovered');

-- Random-access points of a segment: every keyframe, where its fragment (moof) starts in the file.
CREATE TABLE segment_keyframe (
  segment_id INTEGER NOT NULL REFERENCES segment (id) ON DELETE CASCADE,
  sample_number INTEGER NOT NULL CHECK (sample_number >= 0),  -- video frame index in decode order
  media_offset_90k INTEGER NOT NULL CHECK (media_offset_90k >= 0),  -- pts - segment.start_pts_90k
  wall_ns INTEGER NOT NULL,
  byte_offset INTEGER NOT NULL CHECK (byte_offset >= 0),
  PRIMARY KEY (segment_id, sample_number)
) WITHOUT ROWID;

-- Time not covered by a recording that should have been: lost frames, a dead writer, a full disk.
CREATE TABLE gap (
  id INTEGER PRIMARY KEY,
  stream_id INTEGER NOT NULL REFERENCES stream (id),
  recording_id INTEGER NOT NULL REFERENCES recording (id),
  start_wall_ns INTEGER NOT NULL,
  end_wall_ns INTEGER NOT NULL CHECK (end_wall_ns >= start_wall_ns),
  frames_lost INTEGER NOT NULL CHECK (frames_lost >= 0),
  reason TEXT NOT NULL CHECK (reason IN ('lapped', 'discontinuity', 'disk_full', 'write_error'))
);
CREATE INDEX gap_by_stream_time ON gap (stream_id, start_wall_ns);

-- CLOCK_REALTIME moving against CLOCK_MONOTONIC by more than the threshold while recording.
CREATE TABLE clock_jump (
  id INTEGER PRIMARY KEY,
  stream_id INTEGER NOT NULL REFERENCES stream (id),
  recording_id INTEGER NOT NULL REFERENCES recording (id),
  anchored_wall_ns INTEGER NOT NULL,  -- where the recording's timeline (monotonic-derived) was
  reported_wall_ns INTEGER NOT NULL,  -- what the frame's realtime clock said
  jump_ns INTEGER NOT NULL            -- reported - anchored
);

-- Something that happened on a stream (a trigger over HTTP, a detector), with the footage it wants kept: its span
-- is [start_wall_ns - preroll_ns, coalesce(end_wall_ns, now) + postroll_ns]. It either made its own recording
-- (recording_id) or lies over continuous footage (recording_id NULL; also after retention deleted its
-- recording). Its footage is always found by time in `segment`, never through recording_id alone.
CREATE TABLE event (
  id INTEGER PRIMARY KEY,
  stream_id INTEGER NOT NULL REFERENCES stream (id),
  label TEXT NOT NULL DEFAULT '' CHECK (length(label) <= 256),  -- characters
  score REAL,
  metadata_json TEXT CHECK (metadata_json IS NULL OR
    (length(CAST(metadata_json AS BLOB)) <= 65536 AND json_valid(metadata_json))),
  trigger_wall_ns INTEGER NOT NULL,   -- when the event was posted
  start_wall_ns INTEGER NOT NULL,     -- event start without pre-roll; before trigger_wall_ns: it started in the past
  end_wall_ns INTEGER CHECK (end_wall_ns IS NULL OR end_wall_ns >= start_wall_ns),  -- NULL while open
  preroll_ns INTEGER NOT NULL CHECK (preroll_ns BETWEEN 0 AND 3600000000000),  -- at most 1 h: see the queries
  postroll_ns INTEGER NOT NULL CHECK (postroll_ns >= 0),
  max_length_ns INTEGER CHECK (max_length_ns IS NULL OR max_length_ns > 0),
  recording_id INTEGER REFERENCES recording (id) ON DELETE SET NULL,
  state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'ended')),
  end_reason TEXT CHECK (end_reason IS NULL OR end_reason IN
    ('ended', 'duration', 'max_length', 'shutdown', 'crashed')),
  CHECK ((state = 'open') = (end_wall_ns IS NULL) AND (state = 'open') = (end_reason IS NULL))
);
CREATE INDEX event_by_stream_time ON event (stream_id, start_wall_ns);
-- What the service resumes or closes at startup: only the open events, however long the history.
CREATE INDEX event_open ON event (state) WHERE state = 'open';

PRAGMA user_version = 5;
