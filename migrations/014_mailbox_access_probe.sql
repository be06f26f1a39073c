-- A user whose mailbox Exchange refuses (Graph application access policy or RBAC for Applications
-- scope, EWS impersonation scope) has status 'accessDenied'; the access probe asks again every
-- ACCESS_PROBE_SECONDS and records here when it last asked.
ALTER TABLE mailboxes ADD COLUMN access_probed_at timestamptz;
CREATE INDEX mailboxes_access_denied ON mailboxes (access_probed_at) WHERE status = 'accessDenied';
