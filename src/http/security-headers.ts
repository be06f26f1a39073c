import type { RequestHandler } from 'express';
import { COCKPIT_BASE } from './cockpit/routes.js';

/**
 * Browser hardening on every response. Written out rather than through helmet: four fixed headers,
 * two policies, nothing to configure — a dependency would add options we would have to turn off.
 *
 * - The cockpit (UI5 Web Components built by vite: module scripts from our origin, an inline
 *   <style> in index.html and style attributes set by the components) may load only from our
 *   origin, may not be framed (clickjacking), and may only call our own API.
 * - Everything else (JSON, problems, XML for Exchange, the Graph echo) is never a document: no
 *   sources at all, no framing.
 */
const COCKPIT_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export const securityHeaders: RequestHandler = (req, res, next) => {
  res.setHeader(
    'Content-Security-Policy',
    req.path === COCKPIT_BASE || req.path.startsWith(`${COCKPIT_BASE}/`) ? COCKPIT_CSP : API_CSP,
  );
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  next();
};
