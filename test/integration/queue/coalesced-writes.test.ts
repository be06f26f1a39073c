import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedis } from '../../../src/queue/redis.js';
import { countRedisWrites } from '../../support/socket-writes.js';

// Commands issued in one event-loop turn leave in one socket write (CoalescingRedis in
// src/queue/redis.ts). The counts are system calls on the connection's socket; the first two tests
// fail when the connection stops corking (each command then takes a write of its own).

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const opened: Redis[] = [];

afterEach(() => {
  for (const connection of opened.splice(0)) connection.disconnect();
});

async function ready(connection: Redis): Promise<Redis> {
  opened.push(connection);
  if (connection.status !== 'ready') await new Promise((resolve) => connection.once('ready', resolve));
  return connection;
}

const key = `tandem-test:coalesced:${process.pid}:${Date.now()}`;

describe('coalesced Redis writes', () => {
  it('sends the commands of one turn in one write, and each command awaited alone in its own', async () => {
    const redis = await ready(createRedis({ url, tls: false }));
    const counted = countRedisWrites(redis);
    const answers = await Promise.all([redis.set(key, '1'), redis.incr(key), redis.get(key), redis.del(key)]);
    expect(answers).toEqual(['OK', 2, '2', 1]);
    expect(counted.writes).toBe(1);

    counted.writes = 0;
    await redis.set(key, '1');
    await redis.get(key);
    await redis.del(key);
    expect(counted.writes).toBe(3);
  });

  it('coalesces on duplicates too (BullMQ duplicates the connections it is given)', async () => {
    const redis = await ready(createRedis({ url, tls: false }).duplicate());
    const counted = countRedisWrites(redis);
    await Promise.all([redis.ping(), redis.ping(), redis.ping()]);
    expect(counted.writes).toBe(1);
  });

  it('keeps answering after a reconnect replaced the socket, and leaves MULTI to write itself', async () => {
    const redis = await ready(createRedis({ url, tls: false }));
    redis.disconnect(true);
    await new Promise((resolve) => redis.once('ready', resolve));
    const counted = countRedisWrites(redis);
    expect(await Promise.all([redis.ping(), redis.ping()])).toEqual(['PONG', 'PONG']);
    expect(counted.writes).toBe(1);
    const results = await redis.multi().set(key, 'x').get(key).del(key).exec();
    expect(results).toEqual([
      [null, 'OK'],
      [null, 'x'],
      [null, 1],
    ]);
  });
});
