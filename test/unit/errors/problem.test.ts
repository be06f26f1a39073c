import { describe, expect, it } from 'vitest';
import { TandemError, coerceError, isTandemError } from '../../../src/errors/tandem-error.js';
import { toProblem } from '../../../src/http/problem.js';
import { withLogContext } from '../../../src/logging/logger.js';

describe('problem JSON (RFC 9457)', () => {
  it('renders a typed error with a stable type URI, the code, the request id and field errors', () => {
    const error = new TandemError('VALIDATION_FAILED', 'The settings are invalid', {
      fieldErrors: [{ path: 'body.syncWindow.daysAhead', message: 'must be ≤ 730' }],
    });
    const problem = withLogContext({ requestId: 'req-123' }, () => toProblem(error, '/api/v1/settings'));
    expect(problem).toEqual({
      type: 'https://tandem.example.com/problems/validation-failed',
      title: 'Validation failed',
      status: 400,
      detail: 'The settings are invalid',
      code: 'VALIDATION_FAILED',
      instance: '/api/v1/settings',
      requestId: 'req-123',
      errors: [{ path: 'body.syncWindow.daysAhead', message: 'must be ≤ 730' }],
    });
  });

  it('never shows the internals of an unexpected error, but says whether a retry can help', () => {
    const problem = toProblem(coerceError(new Error('relation "secret_table" does not exist at 10.0.0.5')));
    expect(problem.status).toBe(500);
    expect(problem.detail).not.toContain('secret_table');
    expect(problem.retryable).toBe(true);
  });
});

describe('coerceError', () => {
  it('keeps typed errors, and classifies network and Postgres failures as retryable', () => {
    const typed = new TandemError('S4_ETAG_MISMATCH', 'changed');
    expect(coerceError(typed)).toBe(typed);
    expect(coerceError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toMatchObject({
      code: 'UNAVAILABLE',
      retryable: true,
    });
    expect(coerceError(Object.assign(new Error('deadlock'), { code: '40P01' }))).toMatchObject({
      code: 'DB_SERIALIZATION',
      retryable: true,
    });
    expect(coerceError(Object.assign(new Error('admin shutdown'), { code: '57P01' }))).toMatchObject({
      code: 'DB_UNAVAILABLE',
      retryable: true,
    });
    expect(coerceError('a string')).toMatchObject({ code: 'INTERNAL', message: 'a string' });
  });

  it('keeps the cause chain for logs', () => {
    const root = new Error('socket hang up');
    const error = new TandemError('EXCHANGE_UNAVAILABLE', 'EWS unreachable', {
      cause: new Error('request failed', { cause: root }),
    });
    expect(error.rootCause).toBe(root);
    expect(isTandemError(error, 'EXCHANGE_UNAVAILABLE')).toBe(true);
    expect(new TandemError('CONFLICT', 'x', { retryable: true }).retryable).toBe(true);
  });
});
