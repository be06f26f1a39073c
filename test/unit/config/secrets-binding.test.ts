import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { isTandemError } from '../../../src/errors/tandem-error.js';

const keyFrom = (id: string, fill: number) => `${id}:${Buffer.alloc(32, fill).toString('base64')}`;
const xsuaa = {
  label: 'xsuaa',
  name: 'tandem-uaa',
  tags: ['xsuaa'],
  credentials: {
    clientid: 'sb-tandem!t1',
    clientsecret: 'x',
    url: 'https://provider.authentication.eu10.hana.ondemand.com',
    uaadomain: 'authentication.eu10.hana.ondemand.com',
    xsappname: 'tandem!t1',
  },
};
const cfEnv = (services: Record<string, unknown[]>, extra: Record<string, string> = {}) => ({
  VCAP_APPLICATION: JSON.stringify({ application_uris: ['tandem-web.example.com'] }),
  PUBLIC_URL: 'https://tandem-web.example.com',
  VCAP_SERVICES: JSON.stringify({ xsuaa: [xsuaa], ...services }),
  ...extra,
});
const secretsService = (credentials: Record<string, unknown>, binding: { name?: string; tags?: string[] } = {}) => ({
  'user-provided': [
    { label: 'user-provided', name: binding.name ?? 'tandem-secrets', tags: binding.tags ?? [], credentials },
  ],
});

describe('TANDEM_SECRET_KEY from the tandem-secrets user-provided service', () => {
  it('reads the keyring from the binding found by instance name', () => {
    const config = loadConfig(cfEnv(secretsService({ TANDEM_SECRET_KEY: `${keyFrom('k2', 2)},${keyFrom('k1', 1)}` })));
    expect(config.secretKeys.activeKeyId).toBe('k2');
    expect([...config.secretKeys.keys.keys()]).toEqual(['k2', 'k1']);
  });

  it('finds the binding by tag when the instance has another name', () => {
    const config = loadConfig(
      cfEnv(secretsService({ TANDEM_SECRET_KEY: keyFrom('prod', 3) }, { name: 'keys-eu10', tags: ['tandem-secrets'] })),
    );
    expect(config.secretKeys.activeKeyId).toBe('prod');
  });

  it('lets the binding win over the environment, like every binding', () => {
    const config = loadConfig(
      cfEnv(secretsService({ TANDEM_SECRET_KEY: keyFrom('bound', 4) }), { TANDEM_SECRET_KEY: keyFrom('env', 5) }),
    );
    expect(config.secretKeys.activeKeyId).toBe('bound');
  });

  it('still refuses to start on Cloud Foundry without any key, naming the service', () => {
    let message = '';
    try {
      loadConfig(cfEnv({}));
    } catch (error) {
      if (isTandemError(error)) message = error.message;
    }
    expect(message).toMatch(/TANDEM_SECRET_KEY.*tandem-secrets/);
  });

  it('rejects a binding without the key field, naming the service', () => {
    let message = '';
    try {
      loadConfig(cfEnv(secretsService({ secret: 'x' })));
    } catch (error) {
      if (isTandemError(error)) message = error.message;
    }
    expect(message).toMatch(/VCAP_SERVICES\.tandem-secrets\.TANDEM_SECRET_KEY/);
  });
});
