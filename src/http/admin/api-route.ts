import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import express, { Router, type Request, type Response } from 'express';
import { z } from '../../validation/zod.js';
import { TandemError } from '../../errors/tandem-error.js';
import type { Scope } from '../../security/dev-token.js';
import { requireScopes, type Principal, type TokenVerifier } from '../auth/authenticate.js';

export const API_BASE = '/api/v1';

/**
 * One definition per admin API operation feeds both Express and the OpenAPI document, so the two
 * cannot drift: path, scopes, request schemas (validated before the handler runs) and response schema.
 */
export interface ApiRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express-style path below /api/v1, e.g. `/users/:id`. */
  path: string;
  summary: string;
  tag: string;
  /** Any one of these scopes allows the call. */
  scopes: Scope[];
  params?: P;
  query?: Q;
  body?: B;
  /** Body content type when not JSON (e.g. text/csv). */
  bodyContentType?: string;
  response: R;
  status?: number;
  handler: (input: {
    principal: Principal;
    params: z.infer<P>;
    query: z.infer<Q>;
    body: z.infer<B>;
    req: Request;
    res: Response;
  }) => Promise<z.infer<R>>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyApiRoute = ApiRoute<any, any, any, any>;

export function defineRoute<
  P extends z.ZodType = z.ZodObject,
  Q extends z.ZodType = z.ZodObject,
  B extends z.ZodType = z.ZodUnknown,
  R extends z.ZodType = z.ZodUnknown,
>(route: ApiRoute<P, Q, B, R>): ApiRoute<P, Q, B, R> {
  return route;
}

function validated<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string): z.infer<T> {
  if (!schema) return value as z.infer<T>;
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new TandemError('VALIDATION_FAILED', `Invalid ${where}`, {
      fieldErrors: result.error.issues.map((issue) => ({
        path: [where, ...issue.path].join('.'),
        message: issue.message,
      })),
    });
  }
  return result.data;
}

/** Express path `/users/:id` → OpenAPI `/users/{id}`. */
export function toOpenApiPath(path: string): string {
  return `${API_BASE}${path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;
}

export function mountRoutes(routes: AnyApiRoute[], verify: TokenVerifier): Router {
  const router = Router();
  const json = express.json({ limit: '1mb' });
  const text = express.text({ type: ['text/csv', 'text/plain'], limit: '5mb' });
  for (const route of routes) {
    router[route.method](
      `${API_BASE}${route.path}`,
      requireScopes(verify, route.scopes),
      route.bodyContentType ? text : json,
      async (req: Request, res: Response) => {
        const result = await route.handler({
          principal: req.principal!,
          params: validated(route.params, req.params, 'path'),
          query: validated(route.query, req.query, 'query'),
          body: validated(route.body, req.body, 'body'),
          req,
          res,
        });
        if (res.headersSent) return;
        if (result === undefined) res.status(route.status ?? 204).end();
        else res.status(route.status ?? 200).json(result);
      },
    );
  }
  return router;
}

const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

export function buildOpenApiDocument(routes: AnyApiRoute[]): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'xsuaa', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'XSUAA token of the subscriber subaccount (AUTH_MODE=dev: `tandem dev-token`)',
  });
  for (const route of routes) {
    const problem = { content: { 'application/problem+json': { schema: problemSchema } } };
    registry.registerPath({
      method: route.method,
      path: toOpenApiPath(route.path),
      summary: route.summary,
      tags: [route.tag],
      security: [{ xsuaa: route.scopes }],
      request: {
        ...(route.params ? { params: route.params } : {}),
        ...(route.query ? { query: route.query } : {}),
        ...(route.body
          ? { body: { content: { [route.bodyContentType ?? 'application/json']: { schema: route.body } } } }
          : {}),
      },
      responses: {
        [route.status ?? 200]: {
          description: 'Success',
          ...(route.status === 204 ? {} : { content: { 'application/json': { schema: route.response } } }),
        },
        400: { description: 'Invalid input', ...problem },
        401: { description: 'No or invalid token', ...problem },
        403: { description: `Needs scope ${route.scopes.join(' or ')}`, ...problem },
        ...(route.params ? { 404: { description: 'Not found in this tenant', ...problem } } : {}),
      },
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Tandem admin API',
      version: '1.0.0',
      description: 'Configure Tandem and ask what happened to an item. Every call acts on the tenant of the token.',
    },
    servers: [{ url: '/' }],
  });
}
