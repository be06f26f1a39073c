import { Router, type Response } from 'express';
import { z } from 'zod';
import { entitySetByName } from './model.js';
import type { S4EmulatorControls } from './emulator.js';

/**
 * Fault injection and inspection under /_emulator/ (JSON, no auth — emulator only; it listens on
 * 127.0.0.1 by default). See docs/emulators-s4.md.
 */
export function createControlRouter(emulator: S4EmulatorControls): Router {
  const router = Router();
  const bad = (res: Response, error: unknown): void => {
    res.status(400).json({ error: error instanceof z.ZodError ? z.prettifyError(error) : (error as Error).message });
  };

  router.get('/', (_req, res) => {
    res.json({
      faults: emulator.faults.list(),
      latencyMs: emulator.faults.latencyMs,
      hiddenInMetadata: [...emulator.faults.hiddenProperties],
      events: { paused: emulator.outbox.isPaused(), retry: emulator.outbox.retry, total: emulator.events().length },
    });
  });
  router.post('/faults', (req, res) => {
    try {
      res.status(201).json(emulator.injectFault(req.body ?? {}));
    } catch (error) {
      bad(res, error);
    }
  });
  router.get('/faults', (_req, res) => {
    res.json(emulator.faults.list());
  });
  router.delete('/faults', (_req, res) => {
    emulator.faults.clear();
    res.status(204).end();
  });
  router.post('/latency', (req, res) => {
    const parsed = z.object({ ms: z.number().int().min(0).max(120_000) }).safeParse(req.body);
    if (!parsed.success) return bad(res, parsed.error);
    emulator.faults.latencyMs = parsed.data.ms;
    res.json({ latencyMs: parsed.data.ms });
  });
  router.post('/metadata/hide', (req, res) => {
    const parsed = z
      .object({ entitySet: z.string().min(1).max(100), property: z.string().min(1).max(100) })
      .safeParse(req.body);
    if (!parsed.success) return bad(res, parsed.error);
    const found = entitySetByName(parsed.data.entitySet);
    if (!found?.set.properties.some((p) => p.name === parsed.data.property)) {
      return bad(res, new Error(`No property ${parsed.data.property} on entity set ${parsed.data.entitySet}`));
    }
    emulator.faults.hiddenProperties.add(`${parsed.data.entitySet}.${parsed.data.property}`);
    res.status(201).json({ hidden: [...emulator.faults.hiddenProperties] });
  });
  router.get('/events', (_req, res) => {
    res.json(emulator.events());
  });
  router.post('/events/heartbeat', (_req, res) => {
    emulator.outbox.heartbeat();
    res.status(202).json({ queued: true });
  });
  router.post('/events/pause', (_req, res) => {
    emulator.outbox.pause();
    res.json({ paused: true });
  });
  router.post('/events/resume', (_req, res) => {
    emulator.outbox.resume();
    res.json({ paused: false });
  });
  router.post('/events/drop', (req, res) => {
    const parsed = z.object({ count: z.number().int().min(1).max(10_000) }).safeParse(req.body);
    if (!parsed.success) return bad(res, parsed.error);
    emulator.outbox.drop(parsed.data.count);
    res.json({ dropping: parsed.data.count });
  });
  router.put('/events/config', (req, res) => {
    const parsed = z
      .object({
        eventsUrl: z.url().nullable().optional(),
        retry: z
          .object({
            initialDelayMs: z.number().int().min(1).optional(),
            factor: z.number().min(1).optional(),
            maxDelayMs: z.number().int().min(1).optional(),
            maxAttempts: z.number().int().min(1).optional(),
          })
          .optional(),
      })
      .safeParse(req.body);
    if (!parsed.success) return bad(res, parsed.error);
    if (parsed.data.eventsUrl !== undefined) emulator.setEventsUrl(parsed.data.eventsUrl ?? undefined);
    if (parsed.data.retry) Object.assign(emulator.outbox.retry, parsed.data.retry);
    res.json({ retry: emulator.outbox.retry });
  });
  router.get('/store/:set', (req, res) => {
    if (!entitySetByName(req.params.set)) {
      res.status(404).json({ error: `Unknown entity set ${req.params.set}` });
      return;
    }
    res.json(emulator.list(req.params.set));
  });
  router.post('/reset', (_req, res) => {
    emulator.reset();
    res.json({ reset: true });
  });
  return router;
}
