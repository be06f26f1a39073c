import { describe, expect, it } from 'vitest';
import { needsInitialLoad } from '../../../src/mailboxes/initial-load-request.js';
import { DEFAULT_STATUS_FREQUENCY_MINUTES } from '../../../src/connectors/exchange/ews/change-tracking.js';
import { SILENT_HEARTBEATS } from '../../../src/subscriptions/subscription-repository.js';
import { DEFAULT_MAINTENANCE_EVERY_MS } from '../../../src/runtime/worker.js';

describe('when a user change starts the initial load', () => {
  const enabled = { enabled: true, employeeBp: 'EMP001' };
  it('starts for a user added enabled, or enabled again, or given another employee BP', () => {
    expect(needsInitialLoad(undefined, enabled)).toBe(true);
    expect(needsInitialLoad({ enabled: false, employeeBp: 'EMP001' }, enabled)).toBe(true);
    expect(needsInitialLoad(enabled, { enabled: true, employeeBp: 'EMP002' })).toBe(true);
  });
  it('does not start for a user added or left disabled, without a BP, or changed in other ways', () => {
    expect(needsInitialLoad(undefined, { enabled: false, employeeBp: 'EMP001' })).toBe(false);
    expect(needsInitialLoad(enabled, { enabled: false, employeeBp: 'EMP001' })).toBe(false);
    expect(needsInitialLoad(undefined, { enabled: true, employeeBp: null })).toBe(false);
    expect(needsInitialLoad(enabled, enabled)).toBe(false);
  });
});

describe('the blind window after a lost EWS subscription', () => {
  it('is under 2 minutes with the defaults: silence threshold plus one maintenance interval plus a few seconds of resubscribe and catch-up', () => {
    const worstCaseMs =
      SILENT_HEARTBEATS * DEFAULT_STATUS_FREQUENCY_MINUTES * 60_000 + DEFAULT_MAINTENANCE_EVERY_MS + 5_000;
    expect(worstCaseMs).toBeLessThanOrEqual(120_000);
  });
});
