import type { RequestListener } from 'node:http';
import express from 'express';
import { controlRoutes, type BtpEmulatorControls } from './control.js';
import { destinationRoutes } from './destinations.js';
import type { BtpState, ServiceClient, ServiceKind } from './model.js';
import { createProxyHandler, isProxyRequest } from './proxy.js';
import { xsuaaRoutes, type XsuaaIssuer } from './xsuaa.js';

/** The services behind the emulator's one port, and its control API. */
export interface BtpServices {
  state: BtpState;
  issuer: XsuaaIssuer;
  clients: Record<ServiceKind, ServiceClient>;
}

/**
 * The emulator's HTTP side: absolute-form requests (a proxy's) go to the connectivity proxy, the
 * rest to XSUAA, the Destination service and the control API.
 */
export function createRequestListener(services: BtpServices, controls: BtpEmulatorControls): RequestListener {
  const { state, issuer, clients } = services;
  const app = express();
  app.disable('x-powered-by');
  app.use(xsuaaRoutes(state, issuer, Object.values(clients)));
  app.use(destinationRoutes(state, issuer, clients.destination, Object.values(clients)));
  app.use('/_emulator', controlRoutes(controls));
  app.use((_req, res) => {
    res.status(404).json({ ErrorMessage: 'Not found' });
  });
  const proxy = createProxyHandler(state, issuer, clients.connectivity);
  return (req, res) => {
    if (isProxyRequest(req)) void proxy(req, res);
    else app(req, res);
  };
}
