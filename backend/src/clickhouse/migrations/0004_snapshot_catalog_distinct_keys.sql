-- distinct_keys = 1: the snapshot holds each record (key_hash) once, so it is, on its own, the system's
--   state at completion and a full run may read it directly instead of merging current_<entity> with
--   FINAL. Written by the snapshot pipeline when it catalogues a snapshot; 0 (the default, and every
--   snapshot catalogued before this migration) keeps the FINAL read.
ALTER TABLE snapshot_catalog ADD COLUMN distinct_keys UInt8 DEFAULT 0
