import { TandemError } from '../../errors/tandem-error.js';
import { S4Http } from './http.js';
import { parseEdmx, type EdmModel } from './metadata.js';
import { REQUIRED_S4_SERVICES, type RequiredService } from './required-model.js';
import type { S4Target } from './types.js';

/**
 * The S/4 side of the S/4 connection Test: through the same target resolution the connector uses
 * (the tenant's BTP destination, or URL outside BTP), reach the system, authenticate, compare each
 * service's $metadata with what Tandem reads and writes, and read one entity of every entity set
 * with the communication user. Each step says what failed in terms an S/4 administrator can act on.
 */
export type S4TestStepId = 'reach' | 'authenticate' | 'metadata' | 'read' | 'heartbeat';
export interface S4TestStep {
  step: S4TestStepId;
  /** English label, e.g. "Services: ZTANDEM_BP_SRV ($metadata)". */
  name: string;
  service?: string;
  ok: boolean;
  message: string;
  durationMs: number;
  /** Named mismatches (service, entity set, property) or unauthorised entity sets. */
  problems?: string[];
}

const FAST = { timeoutMs: 15_000, readRetries: 0, circuitBreaker: false };

export async function testS4System(
  target: S4Target,
  services: readonly RequiredService[] = REQUIRED_S4_SERVICES,
): Promise<S4TestStep[]> {
  const http = new S4Http(target, FAST);
  const steps: S4TestStep[] = [];
  const skip = (step: S4TestStepId, name: string, after: string, service?: string): void => {
    steps.push({
      step,
      name,
      ...(service ? { service } : {}),
      ok: false,
      message: `Skipped because "${after}" failed.`,
      durationMs: 0,
    });
  };
  const where = target.kind === 'destination' ? `destination ${target.destinationName}` : target.url;
  const user = target.kind === 'url' ? target.username : "the destination's user";

  // Reach and authenticate with one request: any HTTP answer proves the system is reached.
  const probe = services[0]!;
  let started = Date.now();
  let probeError: TandemError | undefined;
  try {
    await http.request({
      method: 'GET',
      path: `${probe.path}/`,
      operation: 'S/4 connection test',
      headers: { accept: 'application/json' },
    });
  } catch (error) {
    probeError = error instanceof TandemError ? error : new TandemError('S4_UNAVAILABLE', String(error));
  }
  const status = probeError?.details?.status as number | undefined;
  if (probeError && status === undefined) {
    steps.push({
      step: 'reach',
      name: 'Reach S/4HANA',
      ok: false,
      durationMs: Date.now() - started,
      message:
        probeError.code === 'S4_DESTINATION_NOT_FOUND'
          ? `The destination could not be read: ${probeError.message}. Check its name in the subscriber subaccount.`
          : `No answer from ${where}: ${probeError.message}. Check the URL, the Cloud Connector and its resource /sap/opu/odata/sap/.`,
    });
    skip('authenticate', 'Authenticate', 'Reach S/4HANA');
    return steps;
  }
  steps.push({
    step: 'reach',
    name: 'Reach S/4HANA',
    ok: true,
    durationMs: Date.now() - started,
    message: `${where} answered (HTTP ${status ?? 200}).`,
  });
  if (status === 401) {
    steps.push({
      step: 'authenticate',
      name: 'Authenticate',
      ok: false,
      durationMs: 0,
      message: `S/4HANA refused the logon of ${user} (HTTP 401): wrong user or password, a locked user, or the wrong client.`,
    });
    for (const service of services)
      skip('metadata', `Services: ${service.name} ($metadata)`, 'Authenticate', service.name);
    return steps;
  }
  steps.push({ step: 'authenticate', name: 'Authenticate', ok: true, durationMs: 0, message: `Logged on as ${user}.` });

  const models = new Map<string, EdmModel>();
  for (const service of services) {
    const name = `Services: ${service.name} ($metadata)`;
    started = Date.now();
    try {
      const response = await http.request({
        method: 'GET',
        path: `${service.path}/$metadata`,
        operation: `read ${service.name} $metadata`,
        headers: { accept: 'application/xml' },
      });
      const model = parseEdmx(String(response.data));
      const problems = compareWithRequired(service, model);
      models.set(service.name, model);
      steps.push({
        step: 'metadata',
        name,
        service: service.name,
        ok: problems.length === 0,
        durationMs: Date.now() - started,
        ...(problems.length ? { problems } : {}),
        message:
          problems.length === 0
            ? `All ${Object.keys(service.entitySets).length} entity sets Tandem uses are there with their properties and navigations.`
            : `${problems.length} mismatch(es): ${problems.join('; ')}`,
      });
    } catch (error) {
      steps.push({
        step: 'metadata',
        name,
        service: service.name,
        ok: false,
        durationMs: Date.now() - started,
        message: serviceFailure(service, error),
      });
    }
  }

  for (const service of services) {
    const name = `Read ${service.name}`;
    if (!models.has(service.name)) {
      skip('read', name, `Services: ${service.name} ($metadata)`, service.name);
      continue;
    }
    started = Date.now();
    const problems: string[] = [];
    for (const set of Object.keys(service.entitySets)) {
      if (!models.get(service.name)!.has(set)) continue; // named by the metadata step already
      try {
        await http.getJson<unknown>({ path: `${service.path}/${set}`, query: { $top: '1' }, operation: `read ${set}` });
      } catch (error) {
        const e = error instanceof TandemError ? error : undefined;
        const code = e?.details?.status as number | undefined;
        problems.push(
          code === 403
            ? `${service.name}/${set}: no authorization for ${user} (HTTP 403) — see the role ZTANDEM_COMM`
            : `${service.name}/${set}: ${e?.message ?? String(error)}`,
        );
      }
    }
    steps.push({
      step: 'read',
      name,
      service: service.name,
      ok: problems.length === 0,
      durationMs: Date.now() - started,
      ...(problems.length ? { problems } : {}),
      message: problems.length === 0 ? `Read one entry of each entity set as ${user}.` : problems.join('; '),
    });
  }
  return steps;
}

/** "service: entity set (.property | navigation)" for everything Tandem uses that the model lacks. */
export function compareWithRequired(service: RequiredService, model: EdmModel): string[] {
  const problems: string[] = [];
  for (const [setName, required] of Object.entries(service.entitySets)) {
    const set = model.get(setName);
    if (!set) {
      problems.push(`${service.name}: entity set ${setName} missing`);
      continue;
    }
    for (const property of required.properties) {
      if (!set.properties.has(property)) problems.push(`${service.name}: ${setName}.${property} missing`);
    }
    for (const [navigation, target] of Object.entries(required.navigations ?? {})) {
      if (!set.navigations.has(navigation))
        problems.push(`${service.name}: ${setName}.${navigation} (navigation) missing`);
      else if (set.navigations.get(navigation) !== target) {
        problems.push(
          `${service.name}: ${setName}.${navigation} leads to ${set.navigations.get(navigation) ?? 'no entity set'}, not ${target}`,
        );
      }
    }
  }
  return problems;
}

function serviceFailure(service: RequiredService, error: unknown): string {
  const e = error instanceof TandemError ? error : undefined;
  const status = e?.details?.status as number | undefined;
  const activate =
    service.owner === 'Tandem'
      ? `import the abapGit package ZTANDEM and activate ${service.name} in /IWFND/MAINT_SERVICE`
      : `activate ${service.name} in /IWFND/MAINT_SERVICE`;
  if (status === 404) return `${service.name} is not there (HTTP 404): ${activate}.`;
  if (status === 403)
    return `${service.name} may not be called by the communication user (HTTP 403): add it to S_SERVICE in the role ZTANDEM_COMM.`;
  return `${service.name}: ${e?.message ?? String(error)}`;
}
