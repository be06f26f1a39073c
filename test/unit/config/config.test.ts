import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { isTandemError, type TandemError } from '../../../src/errors/tandem-error.js';

const secretKey = `k1:${Buffer.alloc(32, 1).toString('base64')}`;
const xsuaa = {
  label: 'xsuaa',
  name: 'tandem-uaa',
  tags: ['xsuaa'],
  credentials: {
    clientid: 'sb-tandem!t1',
    clientsecret: 's3cr3t',
    url: 'https://provider.authentication.eu10.hana.ondemand.com',
    uaadomain: 'authentication.eu10.hana.ondemand.com',
    xsappname: 'tandem!t1',
    identityzone: 'provider',
  },
};
const vcap = {
  'postgresql-db': [
    {
      label: 'postgresql-db',
      name: 'tandem-db',
      tags: ['postgres'],
      credentials: {
        hostname: 'pg.internal',
        port: '5432',
        dbname: 'db1',
        username: 'u1',
        password: 'p@ss',
        sslrootcert: '-----BEGIN CERTIFICATE-----',
      },
    },
  ],
  'redis-cache': [
    {
      label: 'redis-cache',
      name: 'tandem-redis',
      tags: ['redis'],
      credentials: {
        hostname: 'redis.internal',
        port: 1234,
        password: 'rpw',
        tls: true,
        uri: 'rediss://no-user-name-for-redis:rpw@redis.internal:1234',
      },
    },
  ],
  xsuaa: [xsuaa],
  destination: [
    {
      label: 'destination',
      name: 'tandem-dest',
      tags: [],
      credentials: {
        clientid: 'd',
        uri: 'https://destination.cfapps.eu10.hana.ondemand.com',
        url: 'https://auth.example.com',
      },
    },
  ],
  connectivity: [
    {
      label: 'connectivity',
      name: 'tandem-conn',
      tags: [],
      credentials: { clientid: 'c', onpremise_proxy_host: 'connectivityproxy.internal' },
    },
  ],
  'saas-registry': [{ label: 'saas-registry', name: 'tandem-registry', tags: [], credentials: { appName: 'tandem' } }],
};
const cfEnv = (services: unknown) => ({
  VCAP_APPLICATION: JSON.stringify({
    application_uris: ['tandem-web.cfapps.eu10.hana.ondemand.com'],
    application_name: 'tandem-web',
  }),
  VCAP_SERVICES: typeof services === 'string' ? services : JSON.stringify(services),
  TANDEM_SECRET_KEY: secretKey,
  PUBLIC_URL: 'https://tandem-web.cfapps.eu10.hana.ondemand.com',
});

function failure(fn: () => unknown): TandemError {
  try {
    fn();
  } catch (error) {
    if (isTandemError(error)) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('loadConfig', () => {
  it('uses the documented defaults locally with AUTH_MODE=dev', () => {
    const config = loadConfig({ AUTH_MODE: 'dev' });
    expect(config.databaseUrl).toBe('postgres://127.0.0.1:5432/tandem');
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379', tls: false });
    expect(config.port).toBe(8080);
    expect(config.authMode).toBe('dev');
    expect(config.onCloudFoundry).toBe(false);
    expect(config.publicUrl).toBe('http://127.0.0.1:8080');
  });

  it('takes the bindings from VCAP_SERVICES on Cloud Foundry, over the environment', () => {
    const config = loadConfig({ ...cfEnv(vcap), DATABASE_URL: 'postgres://ignored/db' });
    expect(config.databaseUrl).toBe('postgres://u1:p%40ss@pg.internal:5432/db1');
    expect(config.databaseSsl?.ca).toContain('BEGIN CERTIFICATE');
    expect(config.redis).toEqual({ url: 'rediss://no-user-name-for-redis:rpw@redis.internal:1234', tls: true });
    expect(config.authMode).toBe('xsuaa');
    expect(config.services.xsuaa?.xsappname).toBe('tandem!t1');
    expect(config.services.destination?.uri).toContain('destination');
    expect(config.publicUrl).toBe('https://tandem-web.cfapps.eu10.hana.ondemand.com');
  });

  it('builds a rediss:// URL from parts when the binding has no uri', () => {
    const redis = { ...vcap['redis-cache'][0]!, credentials: { hostname: 'r', port: 6380, password: 'x', tls: true } };
    expect(loadConfig(cfEnv({ ...vcap, 'redis-cache': [redis] })).redis.url).toBe('rediss://:x@r:6380');
  });

  it('names the key of a bad value', () => {
    expect(failure(() => loadConfig({ AUTH_MODE: 'dev', PORT: 'eighty' })).message).toMatch(/PORT/);
    expect(failure(() => loadConfig({ AUTH_MODE: 'dev', REDIS_URL: 'http://x' })).message).toMatch(/REDIS_URL/);
    expect(failure(() => loadConfig({ AUTH_MODE: 'dev', LOG_LEVEL: 'loud' })).message).toMatch(/LOG_LEVEL/);
  });

  it('names the binding and field of a bad VCAP_SERVICES', () => {
    expect(failure(() => loadConfig(cfEnv('{not json'))).message).toMatch(/VCAP_SERVICES: not valid JSON/);
    const broken = { ...vcap, xsuaa: [{ ...xsuaa, credentials: { ...xsuaa.credentials, url: 'not a url' } }] };
    expect(failure(() => loadConfig(cfEnv(broken))).message).toMatch(/VCAP_SERVICES\.xsuaa\.url/);
    const noPgHost = { ...vcap, 'postgresql-db': [{ ...vcap['postgresql-db'][0]!, credentials: { password: 'x' } }] };
    expect(failure(() => loadConfig(cfEnv(noPgHost))).message).toMatch(/VCAP_SERVICES\.postgresql-db/);
  });

  it('refuses dev tokens and a missing secret key on Cloud Foundry', () => {
    expect(failure(() => loadConfig({ ...cfEnv(vcap), AUTH_MODE: 'dev' })).message).toMatch(/AUTH_MODE/);
    const { TANDEM_SECRET_KEY: _omitted, ...withoutKey } = cfEnv(vcap);
    expect(failure(() => loadConfig(withoutKey)).message).toMatch(/TANDEM_SECRET_KEY/);
    const { xsuaa: _x, ...withoutXsuaa } = vcap;
    expect(failure(() => loadConfig(cfEnv(withoutXsuaa))).message).toMatch(/xsuaa/);
  });

  it('fails closed off Cloud Foundry: no AUTH_MODE and no xsuaa binding stops start-up naming both', () => {
    const error = failure(() => loadConfig({}));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/AUTH_MODE.*VCAP_SERVICES\.xsuaa.*AUTH_MODE=dev/);
    expect(failure(() => loadConfig({ AUTH_MODE: 'xsuaa' })).message).toMatch(/VCAP_SERVICES\.xsuaa/);
  });

  it('fails closed off Cloud Foundry: xsuaa without TANDEM_SECRET_KEY stops start-up (only dev mode has a local key)', () => {
    const services = JSON.stringify({ xsuaa: [xsuaa] });
    const error = failure(() => loadConfig({ VCAP_SERVICES: services }));
    expect(error.message).toMatch(/TANDEM_SECRET_KEY: missing/);
    expect(loadConfig({ VCAP_SERVICES: services, TANDEM_SECRET_KEY: secretKey }).authMode).toBe('xsuaa');
  });

  it('refuses a missing, http or loopback PUBLIC_URL on Cloud Foundry, naming PUBLIC_URL', () => {
    const { PUBLIC_URL: _omitted, ...withoutUrl } = cfEnv(vcap);
    expect(failure(() => loadConfig(withoutUrl)).message).toMatch(/PUBLIC_URL: missing/);
    expect(
      failure(() => loadConfig({ ...cfEnv(vcap), PUBLIC_URL: 'http://tandem-web.cfapps.eu10.hana.ondemand.com' }))
        .message,
    ).toMatch(/PUBLIC_URL: .* is not https/);
    for (const loopback of ['https://127.0.0.1:8080', 'https://localhost', 'https://[::1]:8443']) {
      expect(failure(() => loadConfig({ ...cfEnv(vcap), PUBLIC_URL: loopback })).message).toMatch(
        /PUBLIC_URL: .* loopback/,
      );
    }
  });
});
