import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { InboxJob, InboxJobData } from './inbox-job.js';
import type { LeaseHolder } from '../limits/redis-semaphore.js';

/**
 * Fairness between tenants (docs/operations.md "Fairness between tenants"). The BullMQ `inbox`
 * queue is first come, first served; so each tenant may have at most `cap` jobs in it per lane
 * (waiting, running or briefly delayed), and the rest of its jobs wait parked in Redis, in their
 * own order, under keys that name the tenant. When one of a tenant's jobs finishes, the tenant's
 * next parked job is admitted — at the tail of the shared queue, behind every other tenant's
 * admitted jobs. So the shared queue holds at most `cap` jobs of any tenant ahead of another
 * tenant's new event, the tenants with work take turns, and no tenant runs more than `cap` jobs
 * at once across all worker processes.
 *
 * Two lanes per tenant, each with its own cap: events, and bulk work (initial loads, the series
 * pass, drift repairs). A tenant's bulk work therefore never takes the slots of its own events,
 * and BULK_PRIORITY still orders admitted bulk jobs behind admitted events.
 *
 * Nothing here is durable and nothing needs to be: Postgres holds every inbox row, and the sweeper
 * offers rows whose job vanished again. A slot whose release was lost (a worker killed between
 * finishing a job and releasing it) is found by `reconcile`, which drops admitted entries whose
 * BullMQ job no longer exists or has finished.
 */

export type Lane = 'events' | 'bulk';

export interface LaneCaps {
  /** Jobs of one tenant's events lane in the queue at once (and so running at once). */
  events: number;
  /** The same for bulk work. */
  bulk: number;
}

/** Defaults for TENANT_JOB_CONCURRENCY and TENANT_BULK_CONCURRENCY (docs/operations.md). */
export const DEFAULT_LANE_CAPS: LaneCaps = { events: 8, bulk: 2 };

/** An admitted entry this old is checked against BullMQ by `reconcile` (and, if still live, checked again this much later). */
export const DEFAULT_RECONCILE_AFTER_MS = 60_000;

/** A job's lane: bulk work is exactly what inboxJob gives a priority (BULK_PRIORITY, inbox-job.ts). */
export function laneOf(job: { opts?: { priority?: number | undefined } | undefined }): Lane {
  return (job.opts?.priority ?? 0) > 0 ? 'bulk' : 'events';
}

/**
 * KEYS: admitted (zset jobId → admitted at), parked (zset jobId → order), jobs (hash jobId → job),
 * index (set of tenant lanes with entries), order counter.
 * ARGV: cap, now, index member, then jobId and job JSON per job.
 * Returns one status per job ('a': in the queue, add it — BullMQ ignores a job id it holds; 'p':
 * parked), then the JSON of parked jobs admitted now because the lane had room.
 * A new job never overtakes the lane's parked ones.
 */
const ADMIT = `
local cap = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local out = {}
for i = 4, #ARGV, 2 do
  local id = ARGV[i]
  if redis.call('ZSCORE', KEYS[1], id) then
    out[#out + 1] = 'a'
  elseif redis.call('ZSCORE', KEYS[2], id) then
    out[#out + 1] = 'p'
  elseif redis.call('ZCARD', KEYS[2]) == 0 and redis.call('ZCARD', KEYS[1]) < cap then
    redis.call('ZADD', KEYS[1], now, id)
    out[#out + 1] = 'a'
  else
    redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[5]), id)
    redis.call('HSET', KEYS[3], id, ARGV[i + 1])
    out[#out + 1] = 'p'
  end
end
redis.call('SADD', KEYS[4], ARGV[3])
while redis.call('ZCARD', KEYS[1]) < cap do
  local head = redis.call('ZPOPMIN', KEYS[2])
  if #head == 0 then break end
  redis.call('ZADD', KEYS[1], now, head[1])
  out[#out + 1] = redis.call('HGET', KEYS[3], head[1]) or ''
  redis.call('HDEL', KEYS[3], head[1])
end
return out`;

/**
 * Frees the slots of the given job ids (those that held one) and admits parked jobs into the room.
 * KEYS as ADMIT, then optionally a semaphore's holder set (a finished job's subject lease, freed
 * in the same round trip); ARGV: cap, now, index member, the holder's token ('' without KEYS[6]),
 * job ids. Returns the admitted jobs' JSON.
 */
const RELEASE = `
local cap = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
if KEYS[6] then redis.call('ZREM', KEYS[6], ARGV[4]) end
for i = 5, #ARGV do redis.call('ZREM', KEYS[1], ARGV[i]) end
local out = {}
while redis.call('ZCARD', KEYS[1]) < cap do
  local head = redis.call('ZPOPMIN', KEYS[2])
  if #head == 0 then break end
  redis.call('ZADD', KEYS[1], now, head[1])
  out[#out + 1] = redis.call('HGET', KEYS[3], head[1]) or ''
  redis.call('HDEL', KEYS[3], head[1])
end
if redis.call('ZCARD', KEYS[1]) == 0 and redis.call('ZCARD', KEYS[2]) == 0 then
  redis.call('SREM', KEYS[4], ARGV[3])
end
return out`;

interface LaneCommands {
  tandemLaneAdmit(keyCount: number, ...keysAndArgs: Array<string | number>): Promise<string[]>;
  tandemLaneRelease(keyCount: number, ...keysAndArgs: Array<string | number>): Promise<string[]>;
}

function withCommands(redis: Redis): Redis & LaneCommands {
  if (!('tandemLaneAdmit' in redis)) {
    redis.defineCommand('tandemLaneAdmit', { lua: ADMIT });
    redis.defineCommand('tandemLaneRelease', { lua: RELEASE });
  }
  return redis as Redis & LaneCommands;
}

/** A parked job: the job as it would have been added, and when it was due (its delay counts from its acceptance). */
interface ParkedJob {
  job: InboxJob;
  dueAt: number;
}

export interface LaneDepth {
  admitted: number;
  parked: number;
}

/** The producer side of fairness: every inbox job goes through `addBulk`; the worker calls `release`. */
export class TenantLanes {
  private readonly redis: Redis & LaneCommands;

  constructor(
    redis: Redis,
    private readonly queue: Queue<InboxJobData>,
    private readonly prefix: string,
    readonly caps: LaneCaps = DEFAULT_LANE_CAPS,
    private readonly now: () => number = Date.now,
  ) {
    this.redis = withCommands(redis);
  }

  /** Admits what fits each tenant's lane into the queue and parks the rest. Idempotent per job id. */
  async addBulk(jobs: readonly InboxJob[]): Promise<void> {
    const groups = new Map<string, { tenantId: string; lane: Lane; jobs: InboxJob[] }>();
    for (const job of jobs) {
      const lane = laneOf(job);
      const key = `${lane}:${job.data.tenantId}`;
      const group = groups.get(key) ?? { tenantId: job.data.tenantId, lane, jobs: [] };
      group.jobs.push(job);
      groups.set(key, group);
    }
    await Promise.all(
      [...groups.values()].map(async ({ tenantId, lane, jobs: laneJobs }) => {
        const now = this.now();
        const args = laneJobs.flatMap((job) => [
          jobIdOf(job),
          JSON.stringify({ job, dueAt: now + (job.opts.delay ?? 0) } satisfies ParkedJob),
        ]);
        const out = await this.redis.tandemLaneAdmit(
          5,
          ...this.keys(tenantId, lane),
          this.caps[lane],
          now,
          `${lane}:${tenantId}`,
          ...args,
        );
        const admitted = laneJobs.filter((_, i) => out[i] === 'a');
        await this.add([...admitted, ...this.unpark(out.slice(laneJobs.length))]);
      }),
    );
  }

  /**
   * A job finished (done, coalesced, failed): its slot goes to the tenant's next parked job of the
   * lane. `alsoFree`, a semaphore holder (the job's subject lease), is freed in the same round trip;
   * its key must be under this prefix (one hash slot under Redis Cluster).
   */
  async release(
    job: {
      data: InboxJobData;
      id?: string | undefined;
      opts?: { priority?: number | undefined };
    },
    alsoFree?: LeaseHolder,
  ): Promise<void> {
    if (!job.id) {
      if (alsoFree) await this.redis.zrem(alsoFree.key, alsoFree.token);
      return;
    }
    await this.releaseIds(job.data.tenantId, laneOf(job), [job.id], alsoFree);
  }

  /**
   * Drops admitted entries older than `afterMs` whose BullMQ job is gone or finished (a release
   * that never came), refreshes the others, and admits parked jobs into any room. Returns the
   * number of entries dropped.
   */
  async reconcile(afterMs = DEFAULT_RECONCILE_AFTER_MS): Promise<number> {
    const members = await this.redis.smembers(this.indexKey());
    let dropped = 0;
    for (const member of members) {
      const split = member.indexOf(':');
      const lane = member.slice(0, split) as Lane;
      const tenantId = member.slice(split + 1);
      if (lane !== 'events' && lane !== 'bulk') continue;
      const [admittedKey] = this.keys(tenantId, lane);
      const now = this.now();
      const old = await this.redis.zrangebyscore(admittedKey, '-inf', now - afterMs);
      const states = await Promise.all(old.map((id) => this.queue.getJobState(id)));
      const gone = old.filter((_, i) => ['unknown', 'completed', 'failed'].includes(states[i]!));
      const live = old.filter((_, i) => !gone.includes(old[i]!));
      if (live.length) await this.redis.zadd(admittedKey, 'XX', ...live.flatMap((id) => [now, id]));
      dropped += gone.length;
      await this.releaseIds(tenantId, lane, gone);
    }
    return dropped;
  }

  /** How many of a tenant's jobs of a lane are in the queue and how many wait parked. */
  async depth(tenantId: string, lane: Lane): Promise<LaneDepth> {
    const [admittedKey, parkedKey] = this.keys(tenantId, lane);
    const [admitted, parked] = await Promise.all([this.redis.zcard(admittedKey), this.redis.zcard(parkedKey)]);
    return { admitted, parked };
  }

  private async releaseIds(tenantId: string, lane: Lane, ids: string[], alsoFree?: LeaseHolder): Promise<void> {
    const out = await this.redis.tandemLaneRelease(
      alsoFree ? 6 : 5,
      ...this.keys(tenantId, lane),
      ...(alsoFree ? [alsoFree.key] : []),
      this.caps[lane],
      this.now(),
      `${lane}:${tenantId}`,
      alsoFree?.token ?? '',
      ...ids,
    );
    await this.add(this.unpark(out));
  }

  private unpark(json: string[]): InboxJob[] {
    const now = this.now();
    return json
      .filter((text) => text !== '')
      .map((text) => {
        const parked = JSON.parse(text) as ParkedJob;
        return { ...parked.job, opts: { ...parked.job.opts, delay: Math.max(0, parked.dueAt - now) } };
      });
  }

  private async add(jobs: InboxJob[]): Promise<void> {
    if (jobs.length) await this.queue.addBulk(jobs);
  }

  private indexKey(): string {
    return `${this.prefix}:lanes:index`;
  }

  /** Every key names its tenant (and lane); the index lists which tenant lanes have entries. */
  private keys(tenantId: string, lane: Lane): [string, string, string, string, string] {
    const base = `${this.prefix}:lanes:${tenantId}:${lane}`;
    return [`${base}:admitted`, `${base}:parked`, `${base}:jobs`, this.indexKey(), `${base}:order`];
  }
}

function jobIdOf(job: InboxJob): string {
  return job.opts.jobId!;
}
