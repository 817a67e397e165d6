-- Version 3 -> 4: segments in object storage (issue 22). Every segment written before has its local file only,
-- hence 'local', and is queued for upload once zcrecd has an S3 store. catalog.sql is the text this must reach.
ALTER TABLE segment ADD COLUMN
  location TEXT NOT NULL DEFAULT 'local' CHECK (location IN ('local', 'both', 's3'));
ALTER TABLE segment ADD COLUMN
  s3_key TEXT CHECK ((s3_key IS NULL) = (location = 'local'));
ALTER TABLE segment ADD COLUMN
  s3_uploaded_wall_ns INTEGER CHECK ((s3_uploaded_wall_ns IS NULL) = (location = 'local'));
CREATE INDEX segment_upload_pending ON segment (id) WHERE location = 'local' AND state IN ('complete', 'recovered');
PRAGMA user_version = 4;
