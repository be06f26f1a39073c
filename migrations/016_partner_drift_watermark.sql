-- The drift check also reads business partners changed since a watermark (lost business-partner
-- events of contacts; src/reconcile/partner-drift.ts). Its watermark is S/4's LastChangeDate +
-- LastChangeTime of the newest change seen, kept as a timestamp like the activities' watermarks.
ALTER TABLE s4_drift_watermarks DROP CONSTRAINT s4_drift_watermarks_kind_check;
ALTER TABLE s4_drift_watermarks ADD CONSTRAINT s4_drift_watermarks_kind_check
  CHECK (kind IN ('appointment', 'task', 'businessPartner'));
