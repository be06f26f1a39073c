-- How often a worker died (or stalled past its lease) while holding an inbox row. Retries after
-- an error are counted in attempts and end in a dead letter; a row whose processing kills the
-- worker never reaches that code, so it is counted here when the row is found abandoned, and
-- becomes a dead letter (WORKER_DIED) after a few deaths instead of crash-looping every worker.
ALTER TABLE inbox ADD COLUMN worker_deaths integer NOT NULL DEFAULT 0;
