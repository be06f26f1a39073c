import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * The processes as Cloud Foundry (or a VM) starts them: `tandem web` / `tandem worker` through the
 * CLI, with only the environment given here (not the test runner's AUTH_MODE=dev). Each must stop
 * before touching the network, with exit code 1 and a message naming what is missing.
 */
const root = join(import.meta.dirname, '..', '..', '..');
const run = promisify(execFile);
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
  },
};
const onCloudFoundry = {
  VCAP_APPLICATION: JSON.stringify({ application_name: 'tandem-worker', application_uris: [] }),
  VCAP_SERVICES: JSON.stringify({ xsuaa: [xsuaa] }),
  TANDEM_SECRET_KEY: secretKey,
};

async function start(
  command: 'web' | 'worker',
  env: Record<string, string>,
): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', command], {
      cwd: root,
      timeout: 30_000,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent', ...env },
    });
    return { code: 0, stderr: '' };
  } catch (error) {
    const failed = error as { code?: number; stderr?: string; killed?: boolean };
    if (failed.killed) throw new Error(`tandem ${command} did not stop by itself`);
    return { code: failed.code ?? -1, stderr: failed.stderr ?? '' };
  }
}

// Each start compiles the CLI through tsx: seconds on a loaded machine.
describe('start-up fails closed', { timeout: 120_000 }, () => {
  for (const command of ['web', 'worker'] as const) {
    it(`tandem ${command} on Cloud Foundry without PUBLIC_URL exits 1 naming PUBLIC_URL`, async () => {
      const result = await start(command, onCloudFoundry);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/CONFIG_INVALID: .*PUBLIC_URL: missing/);
    });

    it(`tandem ${command} on Cloud Foundry with an http or loopback PUBLIC_URL exits 1 naming PUBLIC_URL`, async () => {
      const http = await start(command, {
        ...onCloudFoundry,
        PUBLIC_URL: 'http://tandem-web.cfapps.eu10.hana.ondemand.com',
      });
      expect(http.code).toBe(1);
      expect(http.stderr).toMatch(/PUBLIC_URL: .* is not https/);
      const loopback = await start(command, { ...onCloudFoundry, PUBLIC_URL: 'https://127.0.0.1:8080' });
      expect(loopback.code).toBe(1);
      expect(loopback.stderr).toMatch(/PUBLIC_URL: .* loopback/);
    });
  }

  it('tandem web without AUTH_MODE=dev and without an xsuaa binding exits 1 naming AUTH_MODE and the binding', async () => {
    const result = await start('web', {});
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/AUTH_MODE .*VCAP_SERVICES\.xsuaa/);
  });

  it('tandem web with an xsuaa binding but no TANDEM_SECRET_KEY exits 1 naming TANDEM_SECRET_KEY', async () => {
    const result = await start('web', { VCAP_SERVICES: JSON.stringify({ xsuaa: [xsuaa] }) });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/TANDEM_SECRET_KEY: missing/);
  });

  it('tandem web refuses AUTH_MODE=dev on Cloud Foundry', async () => {
    const result = await start('web', {
      ...onCloudFoundry,
      PUBLIC_URL: 'https://tandem-web.cfapps.eu10.hana.ondemand.com',
      AUTH_MODE: 'dev',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/AUTH_MODE: dev tokens are refused on Cloud Foundry/);
  });
});
