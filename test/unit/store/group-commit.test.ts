import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../../src/store/group-commit.js';

describe('GroupCommit', () => {
  it('commits a lone call at once and gathers the calls that arrive during a commit into the next one', async () => {
    const commits: number[][] = [];
    let release: () => void = () => undefined;
    const group = new GroupCommit<number, number>(async (items) => {
      commits.push(items);
      if (commits.length === 1)
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      return items.map((item) => item * 10);
    });
    const first = group.add(1);
    const later = [group.add(2), group.add(3), group.add(4)];
    expect(commits).toEqual([[1]]);
    release();
    // Each caller gets its own item's result.
    expect(await Promise.all([first, ...later])).toEqual([10, 20, 30, 40]);
    expect(commits).toEqual([[1], [2, 3, 4]]);
  });

  it('bounds a batch by weight, but never leaves a heavy item behind', async () => {
    const commits: number[][] = [];
    let release: () => void = () => undefined;
    const group = new GroupCommit<number>(
      async (items) => {
        commits.push(items);
        if (commits.length === 1)
          await new Promise<void>((resolve) => {
            release = resolve;
          });
        return items.map(() => undefined);
      },
      { maxWeight: 5, weight: (item) => item },
    );
    const calls = [group.add(1), group.add(2), group.add(3), group.add(9), group.add(1)];
    release();
    await Promise.all(calls);
    expect(commits).toEqual([[1], [2, 3], [9], [1]]);
  });

  it('fails every caller of a failed commit, and the next commit still runs', async () => {
    let fail = true;
    const group = new GroupCommit<string>(async (items) => {
      if (fail) throw new Error('database gone');
      return items.map(() => undefined);
    });
    const results = await Promise.allSettled([group.add('a'), group.add('b')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(group.add('c')).resolves.toBeUndefined();
  });
});
