-- Version 1 -> 2: camera leases and epochs (docs/cluster.md, "Leases and epochs") and where each segment's
-- copies are (another host plays a dead host's footage from S3). Rows published before carry no
-- epoch (NULL): their cameras had no lease. cluster.sql is the text this must reach.
ALTER TABLE host ADD COLUMN api_url text NOT NULL DEFAULT '';
ALTER TABLE host ADD COLUMN upload_queue bigint NOT NULL DEFAULT 0;
ALTER TABLE recording ADD COLUMN lease_epoch bigint;
ALTER TABLE segment ADD COLUMN lease_epoch bigint;
ALTER TABLE segment ADD COLUMN location text NOT NULL DEFAULT 'local';
ALTER TABLE segment ADD COLUMN s3_key text;
ALTER TABLE event ADD COLUMN lease_epoch bigint;
CREATE TABLE camera_lease (
  camera text PRIMARY KEY,
  host text NOT NULL,
  epoch bigint NOT NULL CHECK (epoch >= 0),
  granted_db_wall_ns bigint NOT NULL,
  expires_db_wall_ns bigint NOT NULL
);
CREATE TABLE camera_epoch (
  camera text NOT NULL,
  epoch bigint NOT NULL CHECK (epoch >= 1),
  host text NOT NULL,
  granted_db_wall_ns bigint NOT NULL,
  from_wall_ns bigint NOT NULL,
  PRIMARY KEY (camera, epoch)
);
