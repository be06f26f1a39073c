import { request } from 'node:https';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

/**
 * An msal-node network module that trusts one extra CA (the emulator's self-signed certificate)
 * for its requests only — instead of NODE_TLS_REJECT_UNAUTHORIZED or a global CA change.
 */
export function msalNetworkModule(caPem: string): INetworkModule {
  const send = <T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> =>
    new Promise((resolve, reject) => {
      const body = options?.body ?? '';
      const headers: Record<string, string | number> = { ...(options?.headers ?? {}) };
      if (method === 'POST') headers['content-length'] = Buffer.byteLength(body);
      const req = request(url, { method, headers, ca: caPem }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = {};
          }
          const outHeaders: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') outHeaders[k] = v;
          resolve({ headers: outHeaders, body: parsed as T, status: res.statusCode ?? 0 });
        });
      });
      req.on('error', reject);
      if (method === 'POST') req.write(body);
      req.end();
    });
  return {
    sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>('GET', url, options),
    sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>('POST', url, options),
  };
}
