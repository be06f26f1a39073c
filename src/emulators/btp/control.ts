import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import type { BtpEmulator } from './emulator.js';
import type { cloudConnectorSchema, destinationSchema } from './model.js';

/** What the control API works on: the running emulator's typed controls. */
export type BtpEmulatorControls = Omit<BtpEmulator, 'close'>;

/**
 * /_emulator/: what an operator does in the BTP cockpit and the Cloud Connector administration —
 * create subaccounts, maintain destinations, connect Cloud Connectors — plus what the tests read.
 * Local only, like every emulator's control API.
 */
export function controlRoutes(emulator: BtpEmulatorControls): express.Router {
  const router = express.Router();
  router.use(express.json({ limit: '64kb' }));
  const handle =
    (fn: (req: Request) => unknown | Promise<unknown>, status = 200) =>
    async (req: Request, res: Response) => {
      try {
        res.status(status).json(await fn(req));
      } catch (error) {
        const message =
          error instanceof z.ZodError
            ? error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
            : error instanceof Error
              ? error.message
              : String(error);
        res.status(400).json({ error: message });
      }
    };
  router.post(
    '/subaccounts',
    handle((req) => emulator.addSubaccount(req.body as { id: string; subdomain: string }), 201),
  );
  router.put(
    '/subaccounts/:id/destinations/:name',
    handle((req) =>
      emulator.putDestination(String(req.params.id), {
        ...(req.body as object),
        Name: String(req.params.name),
      } as z.input<typeof destinationSchema>),
    ),
  );
  router.post(
    '/subaccounts/:id/cloud-connectors',
    handle(
      (req) => emulator.connectCloudConnector(String(req.params.id), req.body as z.input<typeof cloudConnectorSchema>),
      201,
    ),
  );
  router.post(
    '/subaccounts/:id/user-token',
    handle(async (req) => {
      const body = z.object({ user: z.string().min(1), scopes: z.array(z.string()).default([]) }).parse(req.body);
      return { access_token: await emulator.userToken(String(req.params.id), body.user, body.scopes) };
    }),
  );
  router.get(
    '/bindings',
    handle(() => emulator.vcapServices()),
  );
  router.get(
    '/proxy-requests',
    handle(() => emulator.proxyRequests()),
  );
  router.get(
    '/destination-lookups',
    handle(() => emulator.destinationLookups()),
  );
  return router;
}
