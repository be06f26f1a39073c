import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { TandemError } from '../../errors/tandem-error.js';

export const COCKPIT_BASE = '/cockpit';

/**
 * Where the built cockpit lives: `public/` next to `dist/` in the deployed droplet
 * (scripts/build.mjs copies it there), `cockpit/dist` in a checkout (`npm run build:cockpit`).
 */
export function defaultCockpitDirs(): string[] {
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  return [join(root, 'public'), join(root, 'cockpit', 'dist')];
}

/** Vite puts content-hashed files under assets/: a changed file gets a new name, so they may be cached forever. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html names the current hashes: always revalidate, or a browser keeps running an old build. */
const REVALIDATE = 'no-cache';

/**
 * Serves the admin cockpit's static files under /cockpit with no authentication (they hold no
 * tenant data; the app calls /api/v1 with a bearer token). Deep links such as /cockpit/users fall
 * back to index.html, the single-page app routes them.
 */
export function cockpitRoutes(options: { dirs?: string[] } = {}): Router {
  const dirs = options.dirs ?? defaultCockpitDirs();
  const router = Router();
  let found: { dir: string; serve: ReturnType<typeof express.static> } | undefined;
  // Looked up until found, so building the cockpit while `web` runs needs no restart.
  const build = () => {
    if (found) return found;
    const dir = dirs.find((candidate) => existsSync(join(candidate, 'index.html')));
    if (!dir) return undefined;
    const assets = join(dir, 'assets');
    found = {
      dir,
      serve: express.static(dir, {
        index: false,
        redirect: false,
        fallthrough: true,
        setHeaders: (res, path) => res.setHeader('Cache-Control', path.startsWith(assets) ? IMMUTABLE : REVALIDATE),
      }),
    };
    return found;
  };

  // Relative asset URLs need the trailing slash; Express matches /cockpit/ here too (non-strict routing), hence the check.
  router.get(COCKPIT_BASE, (req, res, next) => {
    if (req.path.endsWith('/')) {
      next();
      return;
    }
    const query = req.originalUrl.indexOf('?');
    res.redirect(301, `${COCKPIT_BASE}/${query >= 0 ? req.originalUrl.slice(query) : ''}`);
  });
  router.use(COCKPIT_BASE, (req: Request, res: Response, next: NextFunction) => {
    const current = build();
    if (!current) {
      next(new TandemError('NOT_FOUND', 'The cockpit is not built: run `npm run build:cockpit`'));
      return;
    }
    current.serve(req, res, (error?: unknown) => {
      if (error) return next(error);
      // A missing asset is a 404, not the app: a stale index.html would otherwise load HTML as a script.
      if (!['GET', 'HEAD'].includes(req.method) || req.path.startsWith('/assets/') || /\.[a-z0-9]+$/i.test(req.path)) {
        next(new TandemError('NOT_FOUND', `No cockpit file ${req.path}`));
        return;
      }
      res.setHeader('Cache-Control', REVALIDATE);
      res.sendFile(join(current.dir, 'index.html'));
    });
  });
  return router;
}
