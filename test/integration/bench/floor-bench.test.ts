import { describe, expect, it } from 'vitest';
import { benchFloor } from '../../../src/bench/floor-bench.js';

// `npm run bench` runs the floor beside every sync run (docs/benchmarks.md); this keeps it working
// against the emulators as they change: a CreateItem the EWS emulator refuses, or an S/4 read it
// cannot answer, fails the floor instead of printing a figure.
describe('bench: the floor of a sync operation', () => {
  it('measures one S/4 read, one EWS CreateItem and one Postgres transaction per operation, and each round trip', async () => {
    const floor = await benchFloor(40);
    expect(floor.operations).toBe(40);
    expect(floor.floorMs).toBeGreaterThan(0);
    for (const [kind, us] of Object.entries(floor.roundTripUs)) expect(us, kind).toBeGreaterThan(0);
  }, 120_000);
});
