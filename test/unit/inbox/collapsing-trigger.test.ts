import { describe, expect, it } from 'vitest';
import { collapsingTrigger } from '../../../src/inbox/inbox-event.js';

describe('collapsingTrigger', () => {
  it('gives every trigger of one subject within a window the same due time and job, one to two windows later', () => {
    const subject = 'mailbox:6f1c0d4e-1111-4000-8000-000000000002:calendar';
    const start = 1_700_000_000_000; // a window boundary for 1 s windows
    const early = collapsingTrigger(subject, 1_000, start + 10);
    const late = collapsingTrigger(subject, 1_000, start + 990);
    expect(early.jobKey).toBe(late.jobKey);
    expect(start + 10 + early.delayMs).toBe(start + 990 + late.delayMs);
    expect(early.delayMs).toBe(1_990);
    expect(late.delayMs).toBe(1_010);
    expect(early.jobKey).not.toContain(':');
    expect(collapsingTrigger(subject, 1_000, start + 1_000).jobKey).not.toBe(early.jobKey);
    expect(collapsingTrigger('mailbox:other:calendar', 1_000, start + 10).jobKey).not.toBe(early.jobKey);
  });
});
