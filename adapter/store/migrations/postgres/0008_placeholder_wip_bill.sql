-- 0008: PLACEHOLDER on branch wip-bill only. Migration 0008 belongs to another
-- branch; this file keeps the numbers without a gap until the merge, where
-- the real 0008 replaces it (delete this file then).
SELECT 1;
