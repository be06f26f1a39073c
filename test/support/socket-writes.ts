import type { Redis } from 'ioredis';
import type { Pool } from '../../src/store/pool.js';

/** How many system calls a socket made to send (write or writev) since counting began; settable. */
export interface WriteCount {
  writes: number;
}

type Writable = { _write: (...a: unknown[]) => unknown; _writev?: (...a: unknown[]) => unknown };

/** Counts `socket`'s writes from now on: each `_write` or `_writev` is one system call. */
export function countWrites(socket: unknown): WriteCount {
  const stream = socket as Writable;
  const counted = { writes: 0 };
  const write = stream._write.bind(stream);
  stream._write = (...a) => (counted.writes++, write(...a));
  const writev = stream._writev?.bind(stream);
  if (writev) stream._writev = (...a) => (counted.writes++, writev(...a));
  return counted;
}

/** Counts the writes of a one-connection pool's connection (connecting it first if need be). */
export async function countPoolWrites(pool: Pool): Promise<WriteCount> {
  const client = await pool.connect();
  const socket = (client as unknown as { connection: { stream: unknown } }).connection.stream;
  client.release();
  return countWrites(socket);
}

/** Counts the writes of a Redis connection's current socket. */
export function countRedisWrites(redis: Redis): WriteCount {
  return countWrites(redis.stream);
}
