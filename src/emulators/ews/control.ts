import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { sendJson } from './server.js';
import { faultRuleSchema, latencySchema } from './faults.js';
import type { EwsEmulatorControls } from './emulator.js';

/**
 * `/_emulator/` inspection and fault-injection API (JSON), the EWS emulator's control API.
 * Documented in docs/emulators.md.
 * No authentication: the emulator is a test tool and must never hold real data.
 */
const throttlingSchema = z.object({
  maxConcurrency: z.number().int().min(1).max(10_000).optional(),
  backOffMs: z.number().int().min(0).optional(),
  budget: z
    .object({ requests: z.number().int().min(1), windowMs: z.number().int().min(1) })
    .nullable()
    .optional(),
});
const mailboxSchema = z.object({ smtp: z.string().email() });
const permissionSchema = z.object({ user: z.string().email(), accessRights: z.literal('FullAccess') });
const scopeSchema = z.object({ included: z.boolean() });
const dropSchema = z.object({ count: z.number().int().min(1).max(10_000).default(1) });

function parseJson(body: string): unknown {
  if (!body.trim()) return {};
  return JSON.parse(body) as unknown;
}

export function createControlHandler(e: EwsEmulatorControls) {
  return async (req: IncomingMessage, res: ServerResponse, body: string): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const p = url.pathname.replace(/^\/_emulator/, '');
    const m = req.method ?? 'GET';
    let input: unknown;
    try {
      input = parseJson(body);
    } catch {
      return sendJson(res, 400, { title: 'Body is not JSON' });
    }
    const bad = (err: z.ZodError): void => sendJson(res, 400, { title: 'Validation failed', issues: err.issues });
    if (m === 'GET' && p === '/health') return sendJson(res, 200, { status: 'ok' });
    if (m === 'POST' && p === '/reset') {
      e.reset();
      return sendJson(res, 200, { reset: true });
    }
    if (p === '/faults') {
      if (m === 'GET') return sendJson(res, 200, { faults: e.faults.pending(), latency: e.faults.latency });
      if (m === 'DELETE') {
        e.faults.reset();
        return sendJson(res, 200, { cleared: true });
      }
      if (m === 'POST') {
        const r = faultRuleSchema.safeParse(input);
        if (!r.success) return bad(r.error);
        e.failNext(r.data);
        return sendJson(res, 201, { added: r.data });
      }
    }
    if (p === '/latency' && m === 'POST') {
      const r = latencySchema.safeParse(input);
      if (!r.success) return bad(r.error);
      e.setLatency(r.data.ms, r.data.operation);
      return sendJson(res, 200, { latency: e.faults.latency });
    }
    if (p === '/throttling') {
      if (m === 'GET') return sendJson(res, 200, e.throttle.settings);
      if (m === 'POST') {
        const r = throttlingSchema.safeParse(input);
        if (!r.success) return bad(r.error);
        e.setThrottling(r.data);
        return sendJson(res, 200, e.throttle.settings);
      }
    }
    if (p === '/push/subscriptions' && m === 'GET')
      return sendJson(res, 200, { subscriptions: e.subscriptions(), ended: e.push.dropped });
    if (p === '/push/forget' && m === 'POST') return sendJson(res, 200, { forgotten: e.push.forgetAll() });
    if (p === '/push/pause' && m === 'POST') {
      e.push.paused = true;
      return sendJson(res, 200, { paused: true });
    }
    if (p === '/push/resume' && m === 'POST') {
      e.push.resume();
      return sendJson(res, 200, { paused: false });
    }
    if (p === '/push/drop' && m === 'POST') {
      const r = dropSchema.safeParse(input);
      if (!r.success) return bad(r.error);
      e.push.dropNext += r.data.count;
      return sendJson(res, 200, { dropNext: e.push.dropNext });
    }
    if (p === '/mailboxes') {
      if (m === 'GET') return sendJson(res, 200, { mailboxes: [...e.store.mailboxes.keys()] });
      if (m === 'POST') {
        const r = mailboxSchema.safeParse(input);
        if (!r.success) return bad(r.error);
        e.store.ensureMailbox(r.data.smtp);
        return sendJson(res, 201, { smtp: r.data.smtp.toLowerCase() });
      }
    }
    // Add-MailboxPermission / Remove-MailboxPermission -AccessRights FullAccess (delegate access).
    const permissions = /^\/mailboxes\/([^/]+)\/permissions(?:\/([^/]+))?$/.exec(p);
    if (permissions) {
      const smtp = decodeURIComponent(permissions[1] ?? '');
      if (!e.store.getMailbox(smtp)) return sendJson(res, 404, { title: 'Mailbox not found' });
      if (m === 'POST' && !permissions[2]) {
        const r = permissionSchema.safeParse(input);
        if (!r.success) return bad(r.error);
        e.grantFullAccess(smtp, r.data.user);
        return sendJson(res, 201, {
          mailbox: smtp.toLowerCase(),
          user: r.data.user.toLowerCase(),
          accessRights: 'FullAccess',
        });
      }
      if (m === 'DELETE' && permissions[2]) {
        e.revokeFullAccess(smtp, decodeURIComponent(permissions[2]));
        return sendJson(res, 200, { removed: true });
      }
    }
    // The ApplicationImpersonation role assignment's management scope ("Configure impersonation").
    const scope = /^\/mailboxes\/([^/]+)\/impersonation-scope$/.exec(p);
    if (scope && m === 'POST') {
      const smtp = decodeURIComponent(scope[1] ?? '');
      if (!e.store.getMailbox(smtp)) return sendJson(res, 404, { title: 'Mailbox not found' });
      const r = scopeSchema.safeParse(input);
      if (!r.success) return bad(r.error);
      e.setImpersonationScope(smtp, r.data.included);
      return sendJson(res, 200, { mailbox: smtp.toLowerCase(), included: r.data.included });
    }
    const items = /^\/mailboxes\/([^/]+)\/items$/.exec(p);
    if (items && m === 'GET') {
      const smtp = decodeURIComponent(items[1] ?? '');
      if (!e.store.getMailbox(smtp)) return sendJson(res, 404, { title: 'Mailbox not found' });
      return sendJson(res, 200, { items: e.listItems(smtp) });
    }
    return sendJson(res, 404, { title: 'Not found' });
  };
}
