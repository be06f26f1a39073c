import { useState } from 'react';
import {
  Button,
  FlexBox,
  MessageStrip,
  Table,
  TableCell,
  TableHeaderCell,
  TableHeaderRow,
  TableRow,
  Text,
} from '@ui5/webcomponents-react';
import '@ui5/webcomponents-icons/dist/accept.js';
import '@ui5/webcomponents-icons/dist/decline.js';
import { api, type PendingDeletion, type User } from '../api.js';
import { useApp } from '../app-context.js';
import { Busy, ErrorStrip, ScreenTitle, formatTime, useLoad } from '../components/common.js';
import { useI18n } from '../i18n.js';

const str = (value: unknown) =>
  value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);

/** What the deletion would do: the API's summary, else the action and its target. */
function describe(item: PendingDeletion): string {
  if (typeof item.summary === 'string' && item.summary) return item.summary;
  const action = (item.action ?? {}) as Record<string, unknown>;
  const type = str(item.kind ?? action.type);
  const target = str(item.s4Key ?? action.s4Key ?? item.exchangeItemId ?? action.itemId ?? '');
  return [type, target].filter(Boolean).join(' · ');
}

/**
 * Destructive actions past the safety valve's threshold wait here: Confirm runs them, Reject drops
 * them. Until every pending one of a mailbox (or the tenant) is decided, that scope stays paused.
 */
export function SafetyValveScreen() {
  const { t, language } = useI18n();
  const { canEdit } = useApp();
  const list = useLoad(() => api<{ items: PendingDeletion[] } | PendingDeletion[]>('GET', '/safety-valve'), []);
  const items = Array.isArray(list.data) ? list.data : (list.data?.items ?? []);
  // Pending deletions name the mailbox by id; show its address (a handful of lookups at most).
  const mailboxIds = [
    ...new Set(items.map((item) => item.mailboxId).filter((id): id is string => typeof id === 'string')),
  ]
    .sort()
    .join(',');
  const addresses = useLoad(
    async () =>
      Object.fromEntries(
        await Promise.all(
          mailboxIds
            .split(',')
            .filter(Boolean)
            .map(
              async (id) =>
                [
                  id,
                  await api<User>('GET', `/users/${id}`).then(
                    (u) => u.smtpAddress,
                    () => id,
                  ),
                ] as const,
            ),
        ),
      ),
    [mailboxIds],
  );
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  const decide = async (item: PendingDeletion, decision: 'confirm' | 'reject') => {
    setError(undefined);
    try {
      await api('POST', `/safety-valve/${item.id}/${decision}`);
      setDone(t(decision === 'confirm' ? 'safetyValve.confirmed' : 'safetyValve.rejected', { what: describe(item) }));
      await list.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      <ScreenTitle
        actions={
          <Button icon="refresh" design="Transparent" onClick={() => void list.reload()}>
            {t('common.refresh')}
          </Button>
        }
      >
        {t('nav.safety-valve')}
      </ScreenTitle>
      <MessageStrip design="Information" hideCloseButton style={{ marginBottom: '0.5rem' }}>
        {t('safetyValve.explain')}
      </MessageStrip>
      <ErrorStrip error={list.error ?? error} />
      {done && (
        <MessageStrip
          design="Positive"
          data-testid="safety-valve-done"
          onClose={() => setDone(undefined)}
          style={{ marginBottom: '0.5rem' }}
        >
          {done}
        </MessageStrip>
      )}
      <Busy active={list.loading}>
        <Table
          data-testid="safety-valve-table"
          overflowMode="Popin"
          noDataText={t('safetyValve.none')}
          headerRow={
            <TableHeaderRow sticky>
              <TableHeaderCell minWidth="9rem">{t('safetyValve.heldAt')}</TableHeaderCell>
              <TableHeaderCell minWidth="5rem">{t('safetyValve.scope')}</TableHeaderCell>
              <TableHeaderCell minWidth="10rem">{t('safetyValve.mailbox')}</TableHeaderCell>
              <TableHeaderCell minWidth="12rem" popinText={t('safetyValve.action')}>
                {t('safetyValve.action')}
              </TableHeaderCell>
              <TableHeaderCell minWidth="10rem" popinText={t('safetyValve.object')}>
                {t('safetyValve.object')}
              </TableHeaderCell>
              <TableHeaderCell minWidth="11rem">{t('users.actions')}</TableHeaderCell>
            </TableHeaderRow>
          }
        >
          {items.map((item) => (
            <TableRow key={String(item.id)} rowKey={String(item.id)} data-testid={`pending-${item.id}`}>
              <TableCell>
                <Text>{formatTime(language, str(item.createdAt ?? item.heldAt ?? item.at) || null)}</Text>
              </TableCell>
              <TableCell>
                <Text>{t(`safetyValve.scope.${str(item.scope) || 'mailbox'}`)}</Text>
              </TableCell>
              <TableCell>
                <Text>
                  {typeof item.mailboxId === 'string'
                    ? (addresses.data?.[item.mailboxId] ?? item.mailboxId)
                    : t('safetyValve.wholeTenant')}
                </Text>
              </TableCell>
              <TableCell>
                <Text>{describe(item)}</Text>
              </TableCell>
              <TableCell>
                <Text>{[item.kind, item.s4Key, item.exchangeItemId].filter(Boolean).map(str).join(' · ')}</Text>
              </TableCell>
              <TableCell>
                {canEdit && (
                  <FlexBox style={{ gap: '0.25rem' }}>
                    <Button
                      icon="accept"
                      design="Negative"
                      onClick={() => void decide(item, 'confirm')}
                      data-testid="pending-confirm"
                    >
                      {t('safetyValve.confirm')}
                    </Button>
                    <Button icon="decline" onClick={() => void decide(item, 'reject')} data-testid="pending-reject">
                      {t('safetyValve.reject')}
                    </Button>
                  </FlexBox>
                )}
              </TableCell>
            </TableRow>
          ))}
        </Table>
      </Busy>
    </>
  );
}
