import * as ews from 'ews-javascript-api';
import type { EwsEmulator } from '../../../src/emulators/ews/index.js';

export { ews };

export interface ServiceOptions {
  impersonate?: string;
  user?: string;
  password?: string;
  token?: string;
}

/** An ExchangeService from ews-javascript-api pointed at the emulator (basic auth or bearer). */
export function makeService(emu: EwsEmulator, options: ServiceOptions = {}): ews.ExchangeService {
  const service = new ews.ExchangeService(ews.ExchangeVersion.Exchange2016);
  service.Credentials = options.token
    ? new ews.OAuthCredentials(options.token)
    : new ews.WebCredentials(options.user ?? 'svc@demo.example', options.password ?? 'demo-password');
  service.Url = new ews.Uri(emu.ewsUrl);
  const who = options.impersonate === undefined ? 'alice@demo.example' : options.impersonate;
  if (who) service.ImpersonatedUserId = new ews.ImpersonatedUserId(ews.ConnectingIdType.SmtpAddress, who);
  return service;
}

/** ews-javascript-api rejects with non-Error objects (SoapFaultDetails, ServiceResponseException). */
export async function rejection(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (e) {
    return e as Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

/** The ServiceError name of a ServiceResponseException or SoapFaultDetails. */
export function errorName(e: Record<string, unknown>): string {
  const code = (e.ResponseCode ?? e.ErrorCode ?? (e.Response as Record<string, unknown> | undefined)?.ErrorCode) as
    number | undefined;
  return code === undefined ? String(e.message) : (ews.ServiceError[code] as string);
}

export function utc(y: number, m: number, d: number, h = 0, min = 0): ews.DateTime {
  return new ews.DateTime(Date.UTC(y, m - 1, d, h, min));
}

export async function waitFor<T>(fn: () => T | undefined | false, timeoutMs = 15_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
