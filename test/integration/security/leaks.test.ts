import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TandemError } from '../../../src/errors/tandem-error.js';
import { createApp } from '../../../src/http/app.js';
import { toProblem } from '../../../src/http/problem.js';
import { logger } from '../../../src/logging/logger.js';
import { createPool } from '../../../src/store/pool.js';
import { startTestService, type TestService } from '../../support/service.js';

/** What anonymous callers and logs must never see: the EWS callback token, hosts, ports and users of the infrastructure. */
let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(async () => service?.stop());

describe('no leaks to logs or anonymous callers', () => {
  it('logs a failed EWS notification under its route template, not the path with the token', async () => {
    const spies = [vi.spyOn(logger, 'info'), vi.spyOn(logger, 'error'), vi.spyOn(logger, 'warn')];
    try {
      const token = 'SECRET-CALLBACK-TOKEN-0123456789';
      const response = await fetch(`${service.web.url}/ews/notifications/${token}`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body: 'x'.repeat(1_100_000),
      });
      expect(response.status).toBe(413);
      await response.arrayBuffer();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const logged = JSON.stringify(spies.flatMap((spy) => spy.mock.calls));
      expect(logged).toContain('/ews/notifications/:token');
      expect(logged).not.toContain(token);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it('/ready names the failing dependency without its address or user', async () => {
    const pool = createPool('postgres://tandem_secret_user:pw@127.0.0.1:1/nowhere');
    const redis = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    const app = createApp({ pool, redis });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/ready`);
      const text = await response.text();
      expect(response.status).toBe(503);
      expect(JSON.parse(text).checks.postgres).toEqual({ ok: false, message: 'unreachable' });
      expect(JSON.parse(text).checks.redis.ok).toBe(false);
      for (const secret of ['127.0.0.1', ':1', 'tandem_secret_user', 'ECONNREFUSED', 'nowhere'])
        expect(text).not.toContain(secret);
    } finally {
      server.close();
      redis.disconnect();
      await pool.end();
    }
  });

  it.each(['UNAVAILABLE', 'DB_UNAVAILABLE', 'QUEUE_UNAVAILABLE', 'INTERNAL', 'CONFIG_INVALID'] as const)(
    'answers %s with a generic detail',
    (code) => {
      const problem = toProblem(new TandemError(code, 'connect ECONNREFUSED 10.0.0.5:5432 for user tandem_admin'));
      expect(problem.detail).not.toMatch(/10\.0\.0\.5|5432|tandem_admin|ECONNREFUSED/);
      expect(problem.code).toBe(code);
    },
  );
});
