import { z } from 'zod';
import { GraphError, type EmuResponse } from './odata.js';
import { exportMailbox, importMailbox, type PortableMailbox } from './portable.js';
import type { GraphStore, Mailbox } from './store.js';
import { faultSchema, type FaultQueue } from './faults.js';
import type { LifecycleEvent, Subscriptions } from './subscriptions.js';
import type { Budget, Throttle } from './throttling.js';
import type { TokenService } from './auth.js';

export interface ControlDeps {
  store: GraphStore;
  throttle: Throttle;
  subscriptions: Subscriptions;
  tokens: TokenService;
  faults: FaultQueue;
  setLatency: (ms: number) => void;
  resetAll: () => void;
}

/**
 * Puts a mailbox under an application access policy that excludes the app (Exchange Online's
 * RAOP error), or lifts it (`policy` false).
 */
export function setAccessPolicyDenial(mailbox: Mailbox, policy: boolean): void {
  if (policy)
    mailbox.denied = {
      code: 'ErrorAccessDenied',
      message: 'Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.',
    };
  else delete mailbox.denied;
}

/** `/_emulator/…`: fault injection and inspection, unauthenticated (the emulator is a test tool). */
export async function handleControl(
  deps: ControlDeps,
  method: string,
  path: string,
  body: unknown,
): Promise<EmuResponse> {
  const ok = (b: unknown = { ok: true }): EmuResponse => ({ status: 200, body: b });
  const parts = path
    .replace(/^\/_emulator\/?/, '')
    .split('/')
    .filter(Boolean)
    .map(decodeURIComponent);
  const b = (body ?? {}) as Record<string, unknown>;
  const key = `${method} ${parts[0] ?? ''}`;
  switch (key) {
    case 'GET stats':
      return ok({
        mailboxes: deps.throttle.stats(),
        subscriptions: deps.subscriptions.active.size,
        deliveries: deps.subscriptions.deliveries,
      });
    case 'POST reset':
      deps.resetAll();
      return ok();
    case 'POST fail-next': {
      deps.faults.add(faultSchema.parse(body ?? {}));
      return ok();
    }
    case 'POST budgets': {
      const budget = z
        .object({
          perMailboxPer10Min: z.number().int().positive().optional(),
          concurrentPerMailbox: z.number().int().positive().optional(),
        })
        .parse(body ?? {});
      deps.throttle.budget = { ...deps.throttle.budget, ...budget } as Budget;
      return ok(deps.throttle.budget);
    }
    case 'POST latency':
      deps.setLatency(z.object({ ms: z.number().int().nonnegative() }).parse(body ?? {}).ms);
      return ok();
    case 'POST roles':
      deps.tokens.roles = z.object({ roles: z.array(z.string()) }).parse(body ?? {}).roles;
      return ok();
    case 'POST expire-delta-tokens': {
      const mailbox = deps.store.bySmtp(String(b.mailbox ?? ''));
      if (!mailbox) throw new GraphError(404, 'NotFound', 'Unknown mailbox');
      mailbox.tokenEpoch++;
      return ok();
    }
    case 'GET subscriptions':
      return ok({
        value: [...deps.subscriptions.active.values()].map((s) => ({
          id: s.id,
          resource: s.resource,
          expirationDateTime: new Date(s.expirationMs).toISOString(),
          clientState: s.clientState,
        })),
      });
    case 'POST subscriptions': {
      const event = parts[2] as LifecycleEvent | 'remove';
      const lifecycle: LifecycleEvent = event === 'remove' ? 'subscriptionRemoved' : event;
      if (!['subscriptionRemoved', 'missed', 'reauthorizationRequired'].includes(lifecycle))
        throw new GraphError(400, 'BadRequest', `Unknown lifecycle event ${event}`);
      return ok(deps.subscriptions.lifecycle(parts[1] ?? '', lifecycle));
    }
    case 'POST deny': {
      const mailbox = deps.store.bySmtp(String(b.mailbox ?? ''));
      if (!mailbox) throw new GraphError(404, 'NotFound', 'Unknown mailbox');
      setAccessPolicyDenial(mailbox, b.reason === 'policy');
      return ok();
    }
    case 'GET mailboxes':
    case 'POST mailboxes': {
      const smtp = parts[1] ?? '';
      if (method === 'POST' && parts[2] === 'import') {
        importMailbox(deps.store, smtp, body as PortableMailbox);
        return ok();
      }
      if (!deps.store.bySmtp(smtp)) throw new GraphError(404, 'NotFound', `Unknown mailbox ${smtp}`);
      return ok(exportMailbox(deps.store, smtp));
    }
    default:
      throw new GraphError(404, 'NotFound', `Unknown emulator control ${method} ${path}`);
  }
}
