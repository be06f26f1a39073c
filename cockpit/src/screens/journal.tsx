import { useState, type ReactNode } from 'react';
import {
  Bar,
  Button,
  DateTimePicker,
  Dialog,
  FlexBox,
  Input,
  Label,
  Option,
  Select,
  Table,
  TableCell,
  TableHeaderCell,
  TableHeaderRow,
  TableRow,
  Text,
  Timeline,
  TimelineItem,
} from '@ui5/webcomponents-react';
import '@ui5/webcomponents-icons/dist/search.js';
import '@ui5/webcomponents-icons/dist/process.js';
import '@ui5/webcomponents-icons/dist/accept.js';
import '@ui5/webcomponents-icons/dist/error.js';
import '@ui5/webcomponents-icons/dist/warning.js';
import '@ui5/webcomponents-icons/dist/information.js';
import '@ui5/webcomponents-icons/dist/journey-arrive.js';
import { JOURNAL_OUTCOMES, type JournalOutcome } from '../../../src/contract/journal-outcomes.js';
import { api, type JournalEntry, type Page, type User } from '../api.js';
import { Busy, ErrorStrip, OutcomeStatus, ScreenTitle, formatTime, useLoad } from '../components/common.js';
import { reasonText } from '../components/reasons.js';
import { useI18n, type Translate } from '../i18n.js';

const FILTERS = ['mailbox', 's4Key', 'exchangeItemId', 'correlationId'] as const;
type Filters = Record<(typeof FILTERS)[number] | 'outcome' | 'from' | 'to', string>;
interface JournalPage {
  items: JournalEntry[];
  nextBefore?: number;
}

// Every outcome needs an icon and a state: a new one in the contract fails the cockpit's type check here.
const ICONS: Record<JournalOutcome, string> = {
  synced: 'accept',
  merged: 'accept',
  failed: 'error',
  conflict: 'warning',
  pending: 'warning',
  retried: 'warning',
  ambiguous: 'warning',
  skipped: 'information',
  echo: 'information',
  deleted: 'information',
  info: 'information',
  drift: 'information',
};
const STATES: Record<JournalOutcome, 'Positive' | 'Negative' | 'Critical' | 'Information' | 'None'> = {
  synced: 'Positive',
  merged: 'Positive',
  failed: 'Negative',
  conflict: 'Critical',
  pending: 'Critical',
  retried: 'Critical',
  ambiguous: 'Critical',
  skipped: 'Information',
  echo: 'None',
  deleted: 'None',
  info: 'None',
  drift: 'None',
};

function initialFilters(): Filters {
  const params = new URLSearchParams(window.location.search);
  return {
    mailbox: params.get('mailbox') ?? '',
    s4Key: params.get('s4Key') ?? '',
    exchangeItemId: params.get('exchangeItemId') ?? '',
    correlationId: params.get('correlationId') ?? '',
    outcome: params.get('outcome') ?? '',
    from: '',
    to: '',
  };
}

/** A mailbox filter may be an address: it is resolved to the user's id (the journal stores ids). */
async function mailboxId(value: string): Promise<string | undefined> {
  if (!value.includes('@')) return value || undefined;
  const page = await api<Page<User>>('GET', '/users', { query: { search: value, limit: 10 } });
  return (
    page.items.find((u) => u.smtpAddress.toLowerCase() === value.toLowerCase())?.id ??
    '00000000-0000-0000-0000-000000000000'
  );
}
const iso = (local: string) => (local ? new Date(local).toISOString() : undefined);

/** Support's question "what happened to this item?": search the sync journal, open an object's timeline. */
export function JournalScreen() {
  const { t, language } = useI18n();
  const [filters, setFilters] = useState<Filters>(initialFilters);
  const [result, setResult] = useState<JournalPage>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>();
  const [timeline, setTimeline] = useState<JournalEntry>();
  const set = (key: keyof Filters, value: string) => setFilters((f) => ({ ...f, [key]: value }));

  const search = async (before?: number) => {
    setLoading(true);
    setError(undefined);
    try {
      const page = await api<JournalPage>('GET', '/journal', {
        query: {
          mailboxId: await mailboxId(filters.mailbox.trim()),
          s4Key: filters.s4Key.trim(),
          exchangeItemId: filters.exchangeItemId.trim(),
          correlationId: filters.correlationId.trim(),
          outcome: filters.outcome,
          from: iso(filters.from),
          to: iso(filters.to),
          limit: 50,
          before,
        },
      });
      setResult((current) =>
        before && current ? { items: [...current.items, ...page.items], nextBefore: page.nextBefore } : page,
      );
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  };

  return (
    <>
      <ScreenTitle>{t('nav.journal')}</ScreenTitle>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void search();
        }}
      >
        <FlexBox wrap="Wrap" alignItems="End" style={{ gap: '0.75rem', marginBottom: '0.75rem' }}>
          {FILTERS.map((key) => (
            <FlexBox key={key} direction="Column">
              <Label for={`journal-${key}`}>{t(`journal.${key}`)}</Label>
              <Input
                id={`journal-${key}`}
                data-testid={`journal-${key}`}
                value={filters[key]}
                showClearIcon
                placeholder={t(`journal.${key}Placeholder`)}
                onInput={(e) => set(key, e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') void search();
                }}
                style={{ width: '14rem' }}
              />
            </FlexBox>
          ))}
          <FlexBox direction="Column">
            <Label for="journal-outcome">{t('journal.outcome')}</Label>
            <Select
              id="journal-outcome"
              data-testid="journal-outcome"
              onChange={(e) => set('outcome', e.detail.selectedOption.dataset.value ?? '')}
            >
              <Option data-value="" selected={filters.outcome === ''}>
                {t('common.all')}
              </Option>
              {JOURNAL_OUTCOMES.map((o) => (
                <Option key={o} data-value={o} selected={filters.outcome === o}>
                  {t(`outcome.${o}`)}
                </Option>
              ))}
            </Select>
          </FlexBox>
          {(['from', 'to'] as const).map((key) => (
            <FlexBox key={key} direction="Column">
              <Label for={`journal-${key}`}>{t(`journal.${key}`)}</Label>
              <DateTimePicker
                id={`journal-${key}`}
                data-testid={`journal-${key}`}
                valueFormat="yyyy-MM-dd'T'HH:mm:ss"
                value={filters[key]}
                onChange={(e) => set(key, e.detail.valid ? e.detail.value : '')}
                style={{ width: '14rem' }}
              />
            </FlexBox>
          ))}
          <Button icon="search" design="Emphasized" onClick={() => void search()} data-testid="journal-search">
            {t('journal.search')}
          </Button>
        </FlexBox>
      </form>
      <ErrorStrip error={error} />
      <Busy active={loading}>
        {result && (
          <Table
            data-testid="journal-table"
            overflowMode="Popin"
            noDataText={t('journal.none')}
            headerRow={
              <TableHeaderRow sticky>
                <TableHeaderCell minWidth="10rem">{t('journal.at')}</TableHeaderCell>
                <TableHeaderCell minWidth="7rem">{t('journal.outcome')}</TableHeaderCell>
                <TableHeaderCell minWidth="14rem">{t('journal.reason')}</TableHeaderCell>
                <TableHeaderCell minWidth="10rem" popinText={t('journal.object')}>
                  {t('journal.object')}
                </TableHeaderCell>
                <TableHeaderCell minWidth="8rem" popinText={t('journal.correlationId')}>
                  {t('journal.correlationId')}
                </TableHeaderCell>
                <TableHeaderCell minWidth="8rem">{t('users.actions')}</TableHeaderCell>
              </TableHeaderRow>
            }
          >
            {result.items.map((entry) => (
              <TableRow key={entry.id} rowKey={String(entry.id)} data-testid={`journal-row-${entry.id}`}>
                <TableCell>
                  <Text>{formatTime(language, entry.at)}</Text>
                </TableCell>
                <TableCell>
                  <OutcomeStatus outcome={entry.outcome} />
                </TableCell>
                <TableCell>
                  <Text>{reasonText(t, entry.reason)}</Text>
                </TableCell>
                <TableCell>
                  <Text>{objectLabel(t, entry)}</Text>
                </TableCell>
                <TableCell>
                  <Text>{entry.correlationId ?? ''}</Text>
                </TableCell>
                <TableCell>
                  {(entry.s4Key || entry.exchangeItemId) && (
                    <Button
                      icon="process"
                      design="Transparent"
                      onClick={() => setTimeline(entry)}
                      data-testid="journal-timeline"
                    >
                      {t('journal.timeline')}
                    </Button>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </Table>
        )}
        {result?.nextBefore && (
          <Button design="Transparent" onClick={() => void search(result.nextBefore)} data-testid="journal-more">
            {t('journal.more')}
          </Button>
        )}
      </Busy>
      {timeline && <TimelineDialog entry={timeline} onClose={() => setTimeline(undefined)} />}
    </>
  );
}

function objectLabel(t: Translate, entry: JournalEntry): string {
  const kind = entry.objectKind ? t(`objectKind.${entry.objectKind}`) : '';
  const direction = entry.direction ? ` (${t(`direction.${entry.direction}`)})` : '';
  return `${kind} ${entry.s4Key ?? entry.exchangeItemId ?? ''}${direction}`.trim();
}

const show = (value: unknown) =>
  value === null || value === undefined ? '–' : typeof value === 'string' ? value : JSON.stringify(value);

/** The details of a decision as sentences: fields changed, conflict winner, overwritten values, errors, retries. */
function Details({ details }: { details: Record<string, unknown> }) {
  const { t } = useI18n();
  const lines: ReactNode[] = [];
  const rest = { ...details };
  const take = (key: string) => {
    const value = rest[key];
    delete rest[key];
    return value;
  };
  const fields = take('fields');
  if (Array.isArray(fields) && fields.length) lines.push(t('journal.detail.fields', { fields: fields.join(', ') }));
  const winner = take('winner') ?? take('won');
  if (winner) lines.push(t('journal.detail.winner', { side: t(`side.${show(winner)}`) }));
  const overwritten = take('overwritten');
  if (Array.isArray(overwritten)) {
    for (const o of overwritten as Array<{ field?: string; side?: string; value?: unknown }>) {
      lines.push(
        t('journal.detail.overwritten', {
          field: o.field ?? '?',
          side: t(`side.${o.side ?? '?'}`),
          value: show(o.value),
        }),
      );
    }
  }
  const merged = take('merged');
  if (merged)
    lines.push(t('journal.detail.merged', { fields: Array.isArray(merged) ? merged.join(', ') : show(merged) }));
  const err = take('error');
  if (err)
    lines.push(
      t('journal.detail.error', {
        error: typeof err === 'object' ? show((err as { message?: unknown }).message ?? err) : show(err),
      }),
    );
  const retry = take('nextRetryAt') ?? take('retryAt');
  if (retry) lines.push(t('journal.detail.retry', { time: show(retry) }));
  for (const [key, value] of Object.entries(rest)) lines.push(`${key}: ${show(value)}`);
  return (
    <FlexBox direction="Column">
      {lines.map((line, i) => (
        <Text key={i}>{line}</Text>
      ))}
    </FlexBox>
  );
}

function TimelineDialog({ entry, onClose }: { entry: JournalEntry; onClose: () => void }) {
  const { t, language } = useI18n();
  // The whole story of the object, oldest first: each decision with its reason and details.
  const timeline = useLoad(async () => {
    const key = entry.s4Key ? { s4Key: entry.s4Key } : { exchangeItemId: entry.exchangeItemId };
    return [...(await api<JournalPage>('GET', '/journal', { query: { ...key, limit: 200 } })).items].reverse();
  }, [entry.s4Key, entry.exchangeItemId]);
  const state = { items: timeline.data, error: timeline.error };
  return (
    <Dialog
      open
      headerText={t('journal.timelineTitle', { object: objectLabel(t, entry) })}
      data-testid="journal-timeline-dialog"
      onClose={onClose}
      style={{ width: 'min(48rem, 95vw)' }}
      footer={
        <Bar
          endContent={
            <Button onClick={onClose} data-testid="journal-timeline-close">
              {t('common.close')}
            </Button>
          }
        />
      }
    >
      <Text>{t('journal.timelineExplain')}</Text>
      <ErrorStrip error={state.error} />
      <Timeline layout="Vertical" accessibleName={t('journal.timeline')} data-testid="journal-timeline-list">
        {(state.items ?? []).map((item) => (
          <TimelineItem
            key={item.id}
            icon={ICONS[item.outcome as JournalOutcome] ?? 'information'}
            state={STATES[item.outcome as JournalOutcome] ?? 'None'}
            data-testid={`timeline-${item.id}`}
            titleText={reasonText(t, item.reason)}
            subtitleText={[
              t(`outcome.${item.outcome}`),
              formatTime(language, item.at),
              item.direction ? t(`direction.${item.direction}`) : '',
              item.correlationId,
            ]
              .filter(Boolean)
              .join(' · ')}
          >
            <Details details={item.details} />
          </TimelineItem>
        ))}
      </Timeline>
    </Dialog>
  );
}
