import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { Pool } from '../store/pool.js';

/**
 * CPU accounting for the benchmarks: what each process of the system under test spends per
 * operation, read from the kernel's counters rather than estimated from wall time, so a figure
 * stays comparable when the machine is shared (two cores here: load generator, database and every
 * process compete for them).
 */

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ); 100 on every Linux Node runs on. */
const TICKS_PER_SECOND = 100;

/**
 * User + system CPU a process has used so far, in ms, or undefined when it is gone or /proc is
 * missing (not Linux). Fields 14 and 15 of /proc/<pid>/stat (proc(5)); the command name (field 2)
 * may contain spaces, so fields are counted after its closing parenthesis.
 */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the name, field 3 (state) is index 0, so utime (14) is index 11 and stime (15) index 12.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** CPU ms of the Postgres backends serving one database (the bench's own; other databases on the server are not counted). */
export async function postgresCpuMs(pool: Pool, database: string): Promise<number> {
  const { rows } = await pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database]);
  return rows.reduce((sum, row) => sum + (processCpuMs(row.pid) ?? 0), 0);
}

/**
 * CPU ms Redis has used (INFO cpu: used_cpu_sys + used_cpu_user, seconds). It is the whole
 * server's: keys of other users of the same Redis are counted too, so the figure is an upper bound.
 */
export async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const value = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? 0);
  return (value('used_cpu_sys') + value('used_cpu_user')) * 1000;
}

/** A named source of a CPU counter (a child process, Postgres, Redis). */
export interface CpuSource {
  name: string;
  read(): Promise<number | undefined> | number | undefined;
}

export const pidSource = (name: string, pid: number | undefined): CpuSource => ({
  name,
  read: () => (pid === undefined ? undefined : processCpuMs(pid)),
});

/** CPU per operation of each source over one measured window. */
export interface CpuPerOperation {
  name: string;
  /** CPU ms used in the window. */
  totalMs: number;
  /** totalMs / operations, rounded to 0.01 ms. */
  perOperationMs: number;
}

/** Reads every source now; `finish(operations)` reads them again and divides the difference. */
export async function startCpuWindow(
  sources: CpuSource[],
): Promise<{ finish(operations: number): Promise<CpuPerOperation[]> }> {
  const before = await Promise.all(sources.map((source) => source.read()));
  return {
    async finish(operations) {
      const after = await Promise.all(sources.map((source) => source.read()));
      return sources.flatMap((source, i) => {
        const [start, end] = [before[i], after[i]];
        if (start === undefined || end === undefined) return [];
        const totalMs = end - start;
        return [
          {
            name: source.name,
            totalMs: Math.round(totalMs),
            perOperationMs: Number((totalMs / Math.max(1, operations)).toFixed(2)),
          },
        ];
      });
    },
  };
}

export function cpuOf(figures: CpuPerOperation[], name: string): number | undefined {
  return figures.find((figure) => figure.name === name)?.perOperationMs;
}
