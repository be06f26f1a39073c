import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

/**
 * Runs the S/4 package's pure ABAP classes in Node: transpiles them with @abaplint/transpiler
 * (open-abap runtime) into the git-ignored `.tandem/abap-out/<content hash>/`, so an unchanged
 * package is not transpiled again. Only the classes without SAP-only dependencies are transpiled
 * (PURE_CLASSES, with the task service's gateway interface and exception); test/abap/unit-runtime supplies the few standard classes their unit tests need.
 */
const run = promisify(execFile);
const require = createRequire(import.meta.url);
export const ROOT = resolve(import.meta.dirname, '../..');
export const ABAP_SRC = join(ROOT, 'abap/src');
const UNIT_RUNTIME = join(ROOT, 'test/abap/unit-runtime');
const OUT_ROOT = join(ROOT, '.tandem/abap-out');
export const PURE_CLASSES = [
  'zcl_tandem_event',
  'zcl_tandem_event_batch',
  'zcl_tandem_task_map',
  'zcl_tandem_task_service',
  'zcx_tandem_task',
  'zif_tandem_task_gateway',
];

export interface TranspiledAbap {
  dir: string;
  /** Runs every ABAP Unit test; resolves with the runner's output, rejects when one fails. */
  runUnitTests(): Promise<string>;
  /** Events and batch bodies the transpiled ZCL_TANDEM_EVENT / ZCL_TANDEM_EVENT_BATCH produce. */
  produceEvents(): Promise<{ events: unknown[]; batches: string[] }>;
  /** The OData model of ZTANDEM_TASK_SRV as ZCL_TANDEM_TASK_MAP declares it (what the MPC_EXT registers). */
  taskModel(): Promise<AbapTaskModel>;
}

export interface AbapTaskProperty {
  entitySet: string;
  name: string;
  abapField: string;
  edmType: string;
  /** 0 = no MaxLength */
  maxLength: number;
  isKey: boolean;
  nullable: boolean;
  creatable: boolean;
  updatable: boolean;
  filterable: boolean;
  etag: boolean;
}
export interface AbapTaskModel {
  properties: AbapTaskProperty[];
  navigations: { entitySet: string; name: string; target: string; association: string; join: string }[];
}

/** `mutate` changes a source before transpiling (to prove a test catches a wrong payload). */
export async function transpileAbap(mutate?: (file: string, text: string) => string): Promise<TranspiledAbap> {
  const files = new Map<string, string>();
  for (const name of (await readdir(ABAP_SRC)).filter((f) => PURE_CLASSES.some((c) => f.startsWith(`${c}.`)))) {
    const text = await readFile(join(ABAP_SRC, name), 'utf8');
    files.set(name, mutate ? mutate(name, text) : text);
  }
  for (const name of await readdir(UNIT_RUNTIME)) files.set(name, await readFile(join(UNIT_RUNTIME, name), 'utf8'));
  const transpilerVersion = (require('@abaplint/transpiler-cli/package.json') as { version: string }).version;
  const hash = createHash('sha256')
    .update(transpilerVersion)
    .update(RUNNER)
    .update(TASK_MODEL_RUNNER)
    .update('index-v2');
  for (const [name, text] of [...files].sort(([a], [b]) => a.localeCompare(b)))
    hash.update(name).update('\0').update(text).update('\0');
  const dir = join(OUT_ROOT, hash.digest('hex').slice(0, 16));
  if (!existsSync(join(dir, 'complete'))) await build(dir, files);
  return {
    dir,
    async runUnitTests() {
      const { stdout } = await run(process.execPath, [join(dir, 'out/index.mjs')], { cwd: dir }).catch(
        (error: { stdout?: string; stderr?: string }) => {
          throw new Error(`ABAP Unit failed:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
        },
      );
      return stdout;
    },
    async produceEvents() {
      const { stdout } = await run(process.execPath, [join(dir, 'out/events.mjs')], {
        cwd: dir,
        maxBuffer: 10_000_000,
      });
      return JSON.parse(stdout) as { events: unknown[]; batches: string[] };
    },
    async taskModel() {
      const { stdout } = await run(process.execPath, [join(dir, 'out/task-model.mjs')], { cwd: dir });
      return JSON.parse(stdout) as AbapTaskModel;
    },
  };
}

async function build(dir: string, files: Map<string, string>): Promise<void> {
  // Built beside the final folder and renamed into place: parallel test files never see half an output.
  const staging = `${dir}.${process.pid}.${Date.now()}`;
  await mkdir(join(staging, 'in'), { recursive: true });
  for (const [name, text] of files) await writeFile(join(staging, 'in', name), text);
  await writeFile(
    join(staging, 'abap_transpile.json'),
    JSON.stringify({
      input_folder: 'in',
      output_folder: 'out',
      libs: [],
      write_unit_tests: true,
      write_source_map: false,
      options: { ignoreSyntaxCheck: false, addFilenames: true, addCommonJS: true, unknownTypes: 'compileError' },
    }),
  );
  const cli = join(ROOT, 'node_modules/@abaplint/transpiler-cli/abap_transpile');
  try {
    await run(process.execPath, [cli, 'abap_transpile.json'], { cwd: staging });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    await rm(staging, { recursive: true, force: true });
    throw new Error(`ABAP transpile failed:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
  await writeFile(join(staging, 'out/events.mjs'), RUNNER);
  await writeFile(join(staging, 'out/task-model.mjs'), TASK_MODEL_RUNNER);
  // The generated runner prints a failed assertion as an object; print its text (cx_aunit_failure's message).
  const index = join(staging, 'out/index.mjs');
  await writeFile(
    index,
    (await readFile(index, 'utf8')).replace(
      'console.log(err);',
      'console.log(err?.message?.get ? `ABAP Unit assertion failed: ${err.message.get()}` : err);',
    ),
  );
  await writeFile(join(staging, 'complete'), '');
  await rm(dir, { recursive: true, force: true });
  await pruneOldOutputs();
  await rename(staging, dir).catch(async (error: NodeJS.ErrnoException) => {
    // Another worker finished the same content first; theirs is as good as ours.
    if (existsSync(join(dir, 'complete'))) await rm(staging, { recursive: true, force: true });
    else throw error;
  });
}

/** Keeps the cache small: the newest outputs stay (a run uses three: the package and two mutants). */
async function pruneOldOutputs(keep = 12): Promise<void> {
  const names = (await readdir(OUT_ROOT).catch(() => [] as string[])).filter((n) => /^[0-9a-f]{16}$/.test(n));
  const dated = await Promise.all(names.map(async (n) => ({ n, at: (await stat(join(OUT_ROOT, n))).mtimeMs })));
  for (const { n } of dated.sort((a, b) => b.at - a.at).slice(keep))
    await rm(join(OUT_ROOT, n), { recursive: true, force: true });
}

/**
 * Calls the transpiled classes as the SAP hooks and the sender do: every event type, then the
 * batching of all of them. Prints JSON on stdout.
 */
const RUNNER = `import "./init.mjs";
const { zcl_tandem_event } = await import("./project/zcl_tandem_event.clas.mjs");
const { zcl_tandem_event_batch } = await import("./project/zcl_tandem_event_batch.clas.mjs");
const abap = globalThis.abap;
const chars = (length, value) => abap.CharacterFactory.get(length, value);
const stamp = (value) => new abap.types.Packed({ length: 8, decimals: 0 }).set(value);
const builder = await new zcl_tandem_event().constructor_({ iv_system: chars(3, "S4D"), iv_client: chars(3, "100") });
const objects = zcl_tandem_event.gc_object.get();
const actions = zcl_tandem_event.gc_action.get();
const at = stamp(20261122091403);
const guid = chars(32, "D44EAAE1AB6F442CAEB464E2C35497CC");
const payloads = [];
let n = 0;
const id = () => chars(32, (++n).toString(16).toUpperCase().padStart(32, "0"));
for (const action of [actions.created, actions.changed, actions.deleted]) {
  for (const [object, processType] of [[objects.appointment, "ZVIS"], [objects.task, "ZTSK"], [objects.task, ""]]) {
    payloads.push((await builder.activity({ iv_id: id(), iv_object_type: object, iv_action: action, iv_guid: guid, iv_process_type: chars(4, processType), iv_changed_at: at })).get());
  }
  payloads.push((await builder.business_partner({ iv_id: id(), iv_action: action, iv_partner: chars(10, "10200001"), iv_changed_at: at })).get());
  payloads.push((await builder.relationship({ iv_id: id(), iv_action: action, iv_partner1: chars(10, "10100001"), iv_partner2: chars(10, "EMP001"), iv_category: chars(6, "BUR011"), iv_changed_at: at })).get());
}
payloads.push((await builder.heartbeat({ iv_id: id(), iv_sent_at: at, iv_pending: new abap.types.Integer().set(4), iv_failed: new abap.types.Integer().set(1) })).get());
const entries = zcl_tandem_event_batch.ty_entries.clone();
payloads.forEach((payload, index) => {
  const entry = zcl_tandem_event_batch.ty_entry.clone();
  entry.get().event_id.set(String(index));
  entry.get().created_at.set(index);
  entry.get().object_key.set("K" + (index % 3));
  entry.get().payload.set(payload);
  abap.statements.append({ source: entry, target: entries });
});
const batcher = await new zcl_tandem_event_batch().constructor_({ iv_max_events: new abap.types.Integer().set(7) });
const due = await batcher.sendable({ it_entries: entries, iv_now: stamp(20261122100000) });
const batches = (await batcher.split({ it_entries: due })).array().map((batch) => batch.get().body.get());
process.stdout.write(JSON.stringify({ events: payloads.map((p) => JSON.parse(p)), batches }));
`;

/** Prints ZCL_TANDEM_TASK_MAP=>MODEL( ) and =>NAVIGATIONS( ) as JSON (ABAP booleans as true/false). */
const TASK_MODEL_RUNNER = `import "./init.mjs";
const { zcl_tandem_task_map } = await import("./project/zcl_tandem_task_map.clas.mjs");
const text = (v) => String(v.get()).trimEnd();
const flag = (v) => v.get() === "X";
const properties = (await zcl_tandem_task_map.model()).array().map((row) => {
  const p = row.get();
  return { entitySet: text(p.entity_set), name: text(p.name), abapField: text(p.abap_field), edmType: text(p.edm_type),
    maxLength: p.max_length.get(), isKey: flag(p.is_key), nullable: flag(p.nullable), creatable: flag(p.creatable),
    updatable: flag(p.updatable), filterable: flag(p.filterable), etag: flag(p.etag) };
});
const navigations = (await zcl_tandem_task_map.navigations()).array().map((row) => {
  const n = row.get();
  return { entitySet: text(n.entity_set), name: text(n.name), target: text(n.target), association: text(n.association), join: text(n.join) };
});
process.stdout.write(JSON.stringify({ properties, navigations }));
`;
