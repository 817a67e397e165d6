-- Version 4 -> 5: camera leases of the cluster (issue 22, docs/cluster.md "Leases and epochs"). A recording made
-- while this host held a camera's lease carries the lease's epoch; NULL for recordings of cameras without a lease
-- (every recording before this version). catalog.sql is the text this must reach.
ALTER TABLE recording ADD COLUMN lease_epoch INTEGER CHECK (lease_epoch IS NULL OR lease_epoch >= 1);
PRAGMA user_version = 5;
