import { describe, expect, it } from 'vitest';
import {
  lifecycleRecovery,
  parseGraphNotifications,
} from '../../../src/connectors/exchange/graph/notification-parser.js';
import { isTandemError } from '../../../src/errors/tandem-error.js';

describe('parseGraphNotifications', () => {
  it('reads change notifications with resource data', () => {
    expect(
      parseGraphNotifications({
        value: [
          {
            subscriptionId: 's1',
            clientState: 'cs',
            changeType: 'updated',
            resource: 'Users/u1/Events/AAMk1',
            tenantId: 't',
            subscriptionExpirationDateTime: '2026-01-01T00:00:00Z',
            resourceData: {
              '@odata.type': '#Microsoft.Graph.Event',
              '@odata.id': 'Users/u1/Events/AAMk1',
              id: 'AAMk1',
            },
          },
        ],
      }),
    ).toEqual([
      {
        subscriptionId: 's1',
        clientState: 'cs',
        changeType: 'updated',
        resource: 'Users/u1/Events/AAMk1',
        resourceId: 'AAMk1',
      },
    ]);
  });

  it('falls back to the resource path for the id and reads lifecycle events', () => {
    const [a, b] = parseGraphNotifications({
      value: [
        { subscriptionId: 's1', changeType: 'deleted', resource: 'Users/u1/todo/lists/L/tasks/T9', clientState: null },
        { subscriptionId: 's2', lifecycleEvent: 'subscriptionRemoved', clientState: 'cs' },
      ],
    });
    expect(a).toMatchObject({ resourceId: 'T9', clientState: undefined });
    expect(b).toEqual({
      subscriptionId: 's2',
      clientState: 'cs',
      changeType: undefined,
      resource: undefined,
      lifecycleEvent: 'subscriptionRemoved',
    });
    expect(lifecycleRecovery('subscriptionRemoved')).toBe('recreate-and-resync');
    expect(lifecycleRecovery('missed')).toBe('resync');
    expect(lifecycleRecovery('reauthorizationRequired')).toBe('renew');
  });

  it('rejects bodies that are not notification collections', () => {
    for (const bad of [
      null,
      {},
      { value: 'x' },
      { value: [{ clientState: 'x' }] },
      { value: [{ subscriptionId: 's', lifecycleEvent: 'exploded' }] },
    ]) {
      expect(() => parseGraphNotifications(bad)).toThrow();
      try {
        parseGraphNotifications(bad);
      } catch (error) {
        expect(isTandemError(error, 'VALIDATION_FAILED')).toBe(true);
      }
    }
  });
});
