-- Each end of a link was indexed twice: once by its unique rule, led by tenant_id (links_s4_side,
-- links_exchange_side, migration 001), and once more for lookups under row-level security, which
-- cannot use a leading tenant_id (links_by_s4_key, links_by_exchange_item, migration 004). A sync
-- operation inserts a link and then updates it with its Exchange item and state 'linked' (a change
-- of indexed columns, so never a HOT update): each write put an entry into all of them.
--
-- A unique index is the same rule whatever the order of its columns, so each rule is rebuilt here
-- with the columns the queries name first and tenant_id last, and the lookup index beside it goes.
-- Every query keeps an index path on the columns it names (EXPLAINed under tandem_app):
--   links_s4_side (s4_key, kind, …): the links of an S/4 object (src/reconcile/link-store.ts), the
--     drift and deletion-sweep reads and marks by kind and keys (src/reconcile/drift-repository.ts),
--     a user's link of an S/4 object (mailbox, kind and key: all three in the index now).
--   links_exchange_side (mailbox_id, exchange_item_id, …): a user's link(s) of Exchange items, the
--     items written since the last catch-up run, and the reset after a move to another Exchange
--     backend (exchange_item_id IS NOT NULL of one mailbox).
-- Statements that name tenant_id themselves (retention and offboarding, the foreign-key cascade
-- from mailboxes, the deletion sweep's page) use links_tenant_mailbox and links_s4_verification,
-- unchanged. Both rules are dropped and rebuilt in this migration's transaction: the DROP holds the
-- table's exclusive lock until commit, so no write ever sees the table without them.
DROP INDEX links_by_s4_key;
DROP INDEX links_s4_side;
CREATE UNIQUE INDEX links_s4_side ON links (s4_key, kind, mailbox_id, tenant_id) WHERE s4_key IS NOT NULL;

DROP INDEX links_by_exchange_item;
DROP INDEX links_exchange_side;
CREATE UNIQUE INDEX links_exchange_side ON links (mailbox_id, exchange_item_id, tenant_id) WHERE exchange_item_id IS NOT NULL;
