import { ApiError } from '../api.js';

/**
 * Field errors of a 400 problem, keyed by a dotted path without the request part:
 * `body.appointments.processTypes.0.textType` and `appointments.processTypes[0].textType`
 * both become `appointments.processTypes.0.textType`.
 */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError) || !error.problem.errors) return {};
  const out: Record<string, string> = {};
  for (const { path, message } of error.problem.errors) {
    const key = path.replace(/\[(\d+)\]/g, '.$1').replace(/^(body|query|path)\./, '');
    out[key] ??= message;
  }
  return out;
}

export function valueState(
  errors: Record<string, string>,
  path: string,
): { valueState?: 'Negative'; valueStateMessage?: React.ReactElement } {
  const message = errors[path];
  return message
    ? { valueState: 'Negative', valueStateMessage: <div data-testid={`field-error-${path}`}>{message}</div> }
    : {};
}
