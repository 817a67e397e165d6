-- Version 2 -> 3: continuous and event recording in one timeline (issue 11). Every recording written before was
-- started for one trigger, hence kind 'event'; event rows are new. catalog.sql is the text this must reach.
ALTER TABLE recording ADD COLUMN
  kind TEXT NOT NULL DEFAULT 'event' CHECK (kind IN ('event', 'continuous'));

CREATE TABLE event (
  id INTEGER PRIMARY KEY,
  stream_id INTEGER NOT NULL REFERENCES stream (id),
  label TEXT NOT NULL DEFAULT '' CHECK (length(label) <= 256),
  score REAL,
  metadata_json TEXT CHECK (metadata_json IS NULL OR
    (length(CAST(metadata_json AS BLOB)) <= 65536 AND json_valid(metadata_json))),
  trigger_wall_ns INTEGER NOT NULL,
  start_wall_ns INTEGER NOT NULL,
  end_wall_ns INTEGER CHECK (end_wall_ns IS NULL OR end_wall_ns >= start_wall_ns),
  preroll_ns INTEGER NOT NULL CHECK (preroll_ns BETWEEN 0 AND 3600000000000),
  postroll_ns INTEGER NOT NULL CHECK (postroll_ns >= 0),
  max_length_ns INTEGER CHECK (max_length_ns IS NULL OR max_length_ns > 0),
  recording_id INTEGER REFERENCES recording (id) ON DELETE SET NULL,
  state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'ended')),
  end_reason TEXT CHECK (end_reason IS NULL OR end_reason IN
    ('ended', 'duration', 'max_length', 'shutdown', 'crashed')),
  CHECK ((state = 'open') = (end_wall_ns IS NULL) AND (state = 'open') = (end_reason IS NULL))
);
CREATE INDEX event_by_stream_time ON event (stream_id, start_wall_ns);
CREATE INDEX event_open ON event (state) WHERE state = 'open';
PRAGMA user_version = 3;
