-- Microsoft Graph addresses a mailbox by the user's Entra object id or user principal name, and the
-- SMTP address (Tandem's human key) is often neither. The object id is resolved once per user and
-- kept here; a move to another Exchange environment clears it.
ALTER TABLE mailboxes ADD COLUMN exchange_object_id text;
