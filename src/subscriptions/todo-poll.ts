import type { InboxWriter } from '../inbox/inbox-writer.js';
import { INBOX_EVENT_TYPES, subjects } from '../inbox/subjects.js';
import type { Pool } from '../store/pool.js';
import { withSystemScope } from '../store/transaction.js';
import { groupBy } from '../util/group-by.js';

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
  const due = await withSystemScope(
    async (tx) =>
      (
        await tx.query<{ tenant_id: string; id: string }>(
          `UPDATE mailboxes m SET tasks_polled_at = $1
      WHERE m.id IN (
        SELECT m2.id FROM mailboxes m2
          JOIN tenants t ON t.id = m2.tenant_id AND t.state = 'active'
          JOIN exchange_environments e ON e.id = m2.environment_id AND e.kind = 'graph'
         WHERE m2.enabled AND m2.sync_tasks AND m2.status <> 'accessDenied'
           AND (m2.tasks_polled_at IS NULL OR m2.tasks_polled_at <= $1::timestamptz - make_interval(secs => $2))
         ORDER BY m2.tasks_polled_at NULLS FIRST, m2.created_at
         LIMIT $3 FOR UPDATE OF m2 SKIP LOCKED)
      RETURNING m.tenant_id, m.id`,
          [now.toISOString(), intervalSeconds, limit],
        )
      ).rows,
    pool,
  );
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
