import type { InboxWriter } from '../inbox/inbox-writer.js';
import { INBOX_EVENT_TYPES, subjects } from '../inbox/subjects.js';
import type { Pool } from '../store/pool.js';
import { groupBy } from '../util/group-by.js';
import { claimTodoPolls } from './subscription-repository.js';

/**
 * Microsoft Graph sends no change notifications for To Do tasks to an app: the subscription
 * permissions table ("Create subscription", learn.microsoft.com/graph/api/subscription-post-subscriptions)
 * lists todoTask with "Application: Not supported". So every enabled Graph user who syncs tasks has
 * the Tandem To Do list polled: each due user gets a folder-changed event on the inbox — the same
 * path a notification takes — and its catch-up runs the list's delta query from the deltaLink stored
 * in Postgres (folder_sync_states), restarting with a full round on 410 syncStateNotFound.
 *
 * Cost per user and poll: one delta request when nothing changed, against Outlook's 10,000 requests
 * per 10 minutes per mailbox. Users are picked oldest-poll first, at most `limit` per call, and a
 * user is claimed (SKIP LOCKED) so several workers never queue the same poll twice.
 */
export async function queueTodoPolls(
  pool: Pool,
  inbox: InboxWriter,
  intervalSeconds: number,
  limit = 500,
  now = new Date(),
): Promise<number> {
  const due = await claimTodoPolls(pool, { now, intervalSeconds, limit });
  for (const [tenantId, rows] of groupBy(due, (row) => row.tenant_id)) {
    await inbox.write(
      rows.map((row) => {
        const eventId = `todo-poll:${row.id}:${now.getTime()}`;
        return {
          tenantId,
          source: 'system' as const,
          eventId,
          type: INBOX_EVENT_TYPES.folderChanged,
          subject: subjects.folder(row.id, 'tasks'),
          payload: { reason: 'todo.poll' },
          correlationId: eventId,
        };
      }),
    );
  }
  return due.length;
}
