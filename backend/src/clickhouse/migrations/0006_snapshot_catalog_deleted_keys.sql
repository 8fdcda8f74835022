-- deleted_keys: records a keyed snapshot found gone from their source (asked for by key, neither
--   returned nor rejected) and marked deleted in current_<entity>. Such a deletion is no row of the
--   snapshot, so an overlay (the latest full snapshot plus the snapshots since) would still show the
--   record: a system with one since its latest full snapshot is read from the current state instead.
--   0 for every snapshot catalogued before this migration (none of them deleted by key).
ALTER TABLE snapshot_catalog ADD COLUMN deleted_keys UInt64 DEFAULT 0
