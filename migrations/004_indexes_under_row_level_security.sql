-- Row-level security adds `tenant_id = current_setting('tandem.tenant_id') OR <system scope>` to
-- every query. Because of the OR the planner cannot use tenant_id as an index condition, so an
-- index that leads with tenant_id is either scanned whole or not used at all (measured: a link
-- lookup by S/4 key read every link of its kind). Index the columns the queries name instead;
-- the policy then rechecks the few rows found. Unique constraints keep tenant_id: they are rules,
-- not access paths.

-- The worker's claim of all open rows about one subject.
CREATE INDEX inbox_open_subject ON inbox (subject) WHERE status IN ('pending', 'processing');

-- Links: by S/4 object, by Exchange item, by exactly-once marker.
CREATE INDEX links_by_s4_key ON links (s4_key, kind) WHERE s4_key IS NOT NULL;
CREATE INDEX links_by_exchange_item ON links (mailbox_id, exchange_item_id) WHERE exchange_item_id IS NOT NULL;
DROP INDEX links_marker;
CREATE INDEX links_marker ON links (mailbox_id, kind, marker);

-- Subscriptions of one user.
CREATE INDEX subscriptions_by_mailbox ON subscriptions (mailbox_id);

-- The journal as support and the safety valve read it (newest first per filter).
DROP INDEX journal_tenant_time;
CREATE INDEX journal_time ON journal (at);
DROP INDEX journal_s4_key;
CREATE INDEX journal_s4_key ON journal (s4_key, id DESC) WHERE s4_key IS NOT NULL;
DROP INDEX journal_exchange_item;
CREATE INDEX journal_exchange_item ON journal (exchange_item_id, id DESC) WHERE exchange_item_id IS NOT NULL;
DROP INDEX journal_correlation;
CREATE INDEX journal_correlation ON journal (correlation_id) WHERE correlation_id IS NOT NULL;
DROP INDEX journal_mailbox;
CREATE INDEX journal_mailbox ON journal (mailbox_id, id DESC) WHERE mailbox_id IS NOT NULL;
CREATE INDEX journal_recent_deletions ON journal (at) WHERE outcome = 'deleted';
