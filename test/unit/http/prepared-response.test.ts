import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { beforeAll, describe, expect, it } from 'vitest';
import { PreparedBody, sendJson } from '../../../src/http/prepared-response.js';

/** The headers a caller can see, minus those that change per request. */
async function answer(app: Express, path: string): Promise<{ status: number; headers: object; body: string }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, {
      method: 'POST',
    });
    const headers = Object.fromEntries([...response.headers].filter(([name]) => name !== 'date'));
    return { status: response.status, headers, body: await response.text() };
  } finally {
    server.close();
  }
}

const XML = '<?xml version="1.0" encoding="utf-8"?><Answer>OK</Answer>';
const prepared = new PreparedBody('text/xml; charset=utf-8', XML);

describe('prepared responses', () => {
  let app: Express;
  beforeAll(() => {
    app = express();
    app.post('/express/json', (_req, res) => {
      res.status(202).json({ accepted: 1, duplicates: 0 });
    });
    app.post('/prepared/json', (_req, res) => {
      sendJson(res, 202, { accepted: 1, duplicates: 0 });
    });
    app.post('/express/xml', (_req, res) => {
      res.status(200).type('text/xml; charset=utf-8').send(XML);
    });
    app.post('/prepared/xml', (_req, res) => {
      prepared.send(res, 200);
    });
  });
  it.each(['json', 'xml'])(
    'answer exactly as Express does (%s): status, headers, entity tag and body',
    async (kind) => {
      const expected = await answer(app, `/express/${kind}`);
      expect(expected.headers).toHaveProperty('etag');
      // Twice: the second answer comes from what the first prepared.
      expect(await answer(app, `/prepared/${kind}`)).toEqual(expected);
      expect(await answer(app, `/prepared/${kind}`)).toEqual(expected);
    },
  );

  it('follow the app: no entity tag when etags are off, a strong one when asked', async () => {
    for (const setting of [false, 'strong'] as const) {
      app.set('etag', setting);
      const expected = await answer(app, '/express/xml');
      expect(await answer(app, '/prepared/xml')).toEqual(expected);
      expect(await answer(app, '/prepared/json')).toEqual(await answer(app, '/express/json'));
    }
  });
});
