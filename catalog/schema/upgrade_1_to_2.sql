-- Version 1 -> 2: startup recovery reads only the rows a crash may have left unfinished (docs/recording.md,
-- "Bounded startup"); these partial indexes hold just those rows, so finding them does not scan the history.
CREATE INDEX segment_unfinished ON segment (state) WHERE state IN ('writing', 'deleting');
CREATE INDEX recording_unfinished ON recording (state) WHERE state = 'recording';
PRAGMA user_version = 2;
