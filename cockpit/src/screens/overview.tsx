import { Card, CardHeader, FlexBox, Label, Text } from '@ui5/webcomponents-react';
import { ColumnChart } from '@ui5/webcomponents-react-charts';
import { api, type Status } from '../api.js';
import { Busy, ErrorStrip, ScreenTitle, formatTime, useLoad } from '../components/common.js';
import { useI18n } from '../i18n.js';

const CHART_OUTCOMES = ['synced', 'merged', 'skipped', 'conflict', 'failed'] as const;
// Semantic chart colours of the theme (good/critical/bad), so the chart follows Horizon and high-contrast themes.
const COLORS: Record<string, string> = {
  synced: 'var(--sapChart_Good)',
  merged: 'var(--sapChart_OrderedColor_1)',
  skipped: 'var(--sapChart_Neutral)',
  conflict: 'var(--sapChart_Critical)',
  failed: 'var(--sapChart_Bad)',
};

function Kpi({ id, label, value, sub }: { id: string; label: string; value: string | number; sub?: string }) {
  return (
    <Card
      data-testid={`kpi-${id}`}
      style={{ width: '13rem' }}
      header={<CardHeader titleText={label} subtitleText={sub} />}
    >
      <Text style={{ fontSize: '2rem', padding: '0 1rem 1rem', display: 'block' }} data-testid={`kpi-${id}-value`}>
        {value}
      </Text>
    </Card>
  );
}

/** Sync health at a glance: users by status, backlog, subscriptions, last events, outcomes per hour. */
export function OverviewScreen() {
  const { t, language } = useI18n();
  const status = useLoad(() => api<Status>('GET', '/status'), []);
  const s = status.data;
  const users = s ? Object.values(s.mailboxes).reduce((a, b) => a + b, 0) : 0;
  const byHour = new Map<string, Record<string, number | string>>();
  for (const row of s?.activity ?? []) {
    const hour = new Date(row.hour).toLocaleTimeString(language === 'de' ? 'de-DE' : 'en-GB', {
      hour: '2-digit',
      minute: '2-digit',
    });
    const entry = byHour.get(row.hour) ?? { hour, ...Object.fromEntries(CHART_OUTCOMES.map((o) => [o, 0])) };
    entry[row.outcome] = Number(entry[row.outcome] ?? 0) + row.count;
    byHour.set(row.hour, entry);
  }
  const dataset = [...byHour.values()];
  return (
    <>
      <ScreenTitle>{t('nav.overview')}</ScreenTitle>
      <ErrorStrip error={status.error} />
      <Busy active={status.loading && !s}>
        {s && (
          <FlexBox direction="Column" style={{ gap: '1rem' }}>
            <FlexBox wrap="Wrap" style={{ gap: '1rem' }}>
              <Kpi
                id="users"
                label={t('overview.users')}
                value={users}
                sub={
                  Object.entries(s.mailboxes)
                    .map(([k, v]) => `${t(`userStatus.${k}`)} ${v}`)
                    .join(' · ') || t('overview.noUsers')
                }
              />
              <Kpi id="failing" label={t('overview.failing')} value={s.mailboxes.failing ?? 0} />
              <Kpi
                id="backlog"
                label={t('overview.backlog')}
                value={s.backlog.pending + s.backlog.processing}
                sub={
                  s.backlog.oldestPendingAt
                    ? t('overview.oldest', { time: formatTime(language, s.backlog.oldestPendingAt) })
                    : t('overview.noBacklog')
                }
              />
              <Kpi id="dead" label={t('overview.dead')} value={s.backlog.dead} />
              <Kpi
                id="subscriptions"
                label={t('overview.subscriptions')}
                value={s.subscriptions.active}
                sub={t('overview.subscriptionsSub', { pending: s.subscriptions.pending, stale: s.subscriptions.stale })}
              />
            </FlexBox>
            <Card header={<CardHeader titleText={t('overview.lastEvents')} />}>
              <FlexBox wrap="Wrap" style={{ gap: '2rem', padding: '0 1rem 1rem' }}>
                {Object.entries(s.lastEvents).map(([source, at]) => (
                  <FlexBox key={source} direction="Column">
                    <Label>{t(`source.${source}`)}</Label>
                    <Text data-testid={`last-event-${source}`}>{formatTime(language, at)}</Text>
                  </FlexBox>
                ))}
              </FlexBox>
            </Card>
            <Card
              header={<CardHeader titleText={t('overview.activity')} subtitleText={t('overview.activitySub')} />}
              data-testid="activity-chart"
            >
              <div style={{ padding: '0 1rem 1rem' }}>
                {dataset.length === 0 ? (
                  <Text>{t('overview.noActivity')}</Text>
                ) : (
                  <ColumnChart
                    dataset={dataset}
                    style={{ height: '300px' }}
                    dimensions={[{ accessor: 'hour' }]}
                    measures={CHART_OUTCOMES.map((outcome) => ({
                      accessor: outcome,
                      label: t(`outcome.${outcome}`),
                      color: COLORS[outcome],
                      stackId: 'outcomes',
                    }))}
                  />
                )}
              </div>
            </Card>
          </FlexBox>
        )}
      </Busy>
    </>
  );
}
