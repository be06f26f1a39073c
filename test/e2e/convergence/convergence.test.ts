import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { RunningSystem } from '../../support/system.js';
import { startSubscribedSystem } from '../sync/support.js';
import { faultInjector } from './faults.js';
import { awaitConvergence, Run, worldOf, type World } from './harness.js';
import { ALL_FAULTS, NPM_TEST_FAULTS, commandSequence, type Command } from './model.js';

/**
 * The convergence suite (issue #19): random sequences of creates, changes and deletes on both
 * sides, then quiescence, then the oracle of model.ts. A failing run prints its seed and path; run
 * the same file with them to replay exactly that sequence:
 *
 *   FC_SEED=<seed> FC_PATH=<path> npx vitest run test/e2e/convergence/convergence.test.ts
 *
 * Each case runs FC_PARALLEL sequences side by side (default 5); FC_RUNS sets the number of cases
 * (default 5, so 25 sequences), FC_MAX_COMMANDS a sequence's length (default 6);
 * CONVERGENCE_MINUTES runs for that long instead (`npm run soak -- --minutes N`).
 */
const FILE = 'test/e2e/convergence/convergence.test.ts';
const minutes = Number(process.env.CONVERGENCE_MINUTES ?? 0);
/** Sequences per case, run side by side; FC_RUNS cases (default 5 × 5 = 25 sequences). */
const parallel = Number(process.env.FC_PARALLEL ?? 5);
const numRuns = minutes > 0 ? 1_000_000 : Number(process.env.FC_RUNS ?? 5);
const maxCommands = Number(process.env.FC_MAX_COMMANDS ?? (minutes > 0 ? 12 : 6));
/** Generous: under load a drift check or a heartbeat-driven catch-up takes a while. */
const CONVERGE_WITHIN_MS = 60_000;

let system: RunningSystem;
let world: World;
let runs = 0;
beforeAll(async () => {
  // Lost S/4 events are made up for by the drift check: at its shortest interval, so a sequence
  // that lost one converges within CONVERGE_WITHIN_MS.
  system = await startSubscribedSystem({ env: { DRIFT_CHECK_SECONDS: '5' } });
  world = await worldOf(system, faultInjector(system));
}, 180_000);
afterAll(async () => system?.stop());

/** One sequence: its own objects (subjects tagged `cv<n>`), acted out, then quiescence and the oracle. */
async function runSequence(commands: readonly Command[]): Promise<void> {
  runs += 1;
  const run = new Run(world, `cv${runs}`, 2 + (runs % 25));
  const started = Date.now();
  await run.execute(commands);
  const acted = Date.now();
  await awaitConvergence(run, CONVERGE_WITHIN_MS);
  if (process.env.FC_VERBOSE)
    console.info(`${run.tag}: ${commands.length} commands ${acted - started} ms, converged ${Date.now() - acted} ms`);
}

/**
 * Several users at once: the sequences of one case run side by side on the one system (the worker
 * sees their events interleaved), each checked on its own objects. Also what keeps 25 sequences
 * inside a minute, as sync latency rather than work dominates one sequence.
 */
async function runCase(sequences: readonly (readonly Command[])[]): Promise<void> {
  const results = await Promise.allSettled(sequences.map((commands) => runSequence(commands)));
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [String(result.reason)] : []));
  if (failures.length > 0) throw new Error(failures.join('\n'));
}

async function property(options: Parameters<typeof commandSequence>[0]): Promise<void> {
  const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
  const details = await fc.check(
    fc.asyncProperty(fc.array(commandSequence(options), { minLength: parallel, maxLength: parallel }), runCase),
    {
      numRuns,
      ...(seed === undefined ? {} : { seed }),
      ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
      // Shrinking replays sequences against the live system: long. Opt in with FC_SHRINK=1.
      endOnFailure: process.env.FC_SHRINK !== '1',
      ...(minutes > 0 ? { interruptAfterTimeLimit: minutes * 60_000, markInterruptAsFailure: false } : {}),
    },
  );
  if (details.failed) {
    const replay = `FC_SEED=${details.seed} FC_PATH=${details.counterexamplePath} npx vitest run ${FILE}`;
    const sequence = JSON.stringify(details.counterexample?.[0]);
    const cause =
      details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    // All of it in the thrown message, printed once: a CI log keeps only its end, where vitest
    // repeats the failed test's message, and fast-check's report does not include the error.
    throw new Error(`${fc.defaultReportMessage(details)}\n\nreplay: ${replay}\nsequence: ${sequence}\n\n${cause}`);
  }
  if (minutes > 0) console.info(`convergence soak: ${details.numRuns * parallel} sequences converged`);
}

/**
 * Sequences that once failed, kept as they were found (the commands, not the seed: a seed means
 * another sequence once the generators change). Each names the fix it guards.
 */
const REGRESSIONS: { name: string; sequence: Command[] }[] = [
  {
    // Found as FC_SEED=892918265 FC_PATH=6: change tracking reports nothing for an item created and
    // deleted between two runs, so a delete before Tandem's next catch-up was lost (catch-up.ts
    // now reads back the items it linked since the previous run). Holding Exchange's notifications
    // makes that window certain instead of a matter of timing.
    name: 'an S/4 appointment deleted in Outlook before change tracking saw it is deleted in S/4',
    sequence: [
      { op: 'create', side: 's4', owner: 'alice' },
      { op: 'fault', fault: 'ewsNotificationsHeld', ms: 6_000 },
      { op: 'delete', side: 'outlook', target: 0 },
    ],
  },
  {
    // Found as FC_SEED=1307345734 FC_PATH=2: an Outlook appointment changed in S/4 carries Tandem's
    // stamp from then on, and an S/4 delete then removed the user's own item (decide.ts now asks
    // the link's origin). The pause lets the S/4 change reach Outlook before the delete.
    name: 'an Outlook appointment changed and then deleted in S/4 stays in Outlook',
    sequence: [
      { op: 'create', side: 'outlook', owner: 'alice' },
      { op: 'move', side: 's4', target: 0 },
      { op: 'pause', ms: 3_000 },
      { op: 'delete', side: 's4', target: 0 },
    ],
  },
  {
    // Not found by a seed: a known gap until the drift check's deletion sweep (deletion-sweep.ts)
    // closed it, kept so that a lost S/4 delete is certain in every run rather than left to chance.
    name: 'an S/4 appointment deleted while its delete event is lost leaves Outlook',
    sequence: [
      { op: 'create', side: 's4', owner: 'alice' },
      { op: 'pause', ms: 3_000 },
      { op: 'fault', fault: 's4EventsLost', count: 1 },
      { op: 'delete', side: 's4', target: 0 },
    ],
  },
  {
    // Found as FC_ALL_FAULTS=1 FC_RUNS=10 FC_SEED=1012253313 FC_PATH=6: the worker's connections
    // were killed between its S/4 create of a new Outlook item and the commit of the link and
    // journal; the retry found the activity by its marker and adopted it, but the create's
    // `created.s4` entry had been rolled back with the commit (decide.ts now journals a create found
    // by its marker as `created.s4.recovered` / `created.exchange.recovered`). Whether the kill lands in
    // that window is timing: this sequence exercises it, it cannot force it.
    name: 'Outlook items created just before every database connection is killed are journalled as created',
    sequence: [
      { op: 'create', side: 'outlook', owner: 'bob', kind: 'task' },
      { op: 'create', side: 'outlook', owner: 'alice', kind: 'appointment' },
      { op: 'contactAdd', owner: 'alice' },
      { op: 'fault', fault: 'postgresConnectionsKilled' },
    ],
  },
];

describe('convergence: sequences that once failed', { timeout: 120_000 }, () => {
  for (const { name, sequence } of REGRESSIONS) it(name, async () => runSequence(sequence));
});

describe('convergence under random edits on both sides', () => {
  it(
    'appointments and tasks created, changed and deleted in S/4 and Outlook, and contacts S/4 relates, renames and unrelates, amid faults end equal on both sides, once, with nothing lost',
    { timeout: Math.max(600_000, minutes * 60_000 + 120_000) },
    async () => {
      await property({ maxCommands, faults: minutes > 0 || process.env.FC_ALL_FAULTS ? ALL_FAULTS : NPM_TEST_FAULTS });
    },
  );
});
