-- No statement looks a link up by its exactly-once marker: a create in doubt is resolved by
-- searching the marker in Exchange or S/4 (src/reconcile/reconcile-activity.ts,
-- resolvePendingCreate), and the marker is only read with the link's row. The index cost every
-- link insert and every update that changes an indexed column (a sync operation makes both).
DROP INDEX IF EXISTS links_marker;
