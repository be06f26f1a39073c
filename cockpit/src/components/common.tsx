import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { BusyIndicator, MessageStrip, ObjectStatus, Title } from '@ui5/webcomponents-react';
import { ApiError } from '../api.js';
import { useI18n, type Translate } from '../i18n.js';
import type { JournalOutcome } from '../../../src/contract/journal-outcomes.js';

/** Loads data on mount and when `deps` change; `reload()` for after a write. */
export function useLoad<T>(
  load: () => Promise<T>,
  deps: unknown[],
): { data?: T; error?: unknown; loading: boolean; reload: () => Promise<void> } {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const generation = useRef(0);
  const run = useCallback(async () => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await load();
      // A slower earlier request (e.g. a previous search) must not overwrite a newer answer.
      if (mine === generation.current) setState({ data, loading: false });
    } catch (error) {
      if (mine === generation.current) setState((s) => ({ ...s, error, loading: false }));
    }
  }, deps);
  useEffect(() => {
    void run();
  }, [run]);
  return { ...state, reload: run };
}

export function errorMessage(t: Translate, error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 403) return t('error.forbidden');
    if (error.status === 401) return t('error.unauthenticated');
    return error.problem.requestId
      ? `${error.message} (${t('error.requestId')} ${error.problem.requestId})`
      : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export function ErrorStrip({ error, onClose }: { error: unknown; onClose?: () => void }) {
  const { t } = useI18n();
  if (!error) return null;
  return (
    <MessageStrip
      design="Negative"
      data-testid="error-strip"
      style={{ marginBottom: '0.5rem' }}
      hideCloseButton={!onClose}
      onClose={onClose}
    >
      {errorMessage(t, error)}
    </MessageStrip>
  );
}

export function ScreenTitle({ children, actions }: { children: ReactNode; actions?: ReactNode }) {
  return (
    <div style={{ display: 'flex', alignItems: 'center', gap: '0.5rem', flexWrap: 'wrap', marginBottom: '0.75rem' }}>
      <Title level="H2" size="H3" style={{ flex: '1 1 auto' }}>
        {children}
      </Title>
      {actions}
    </div>
  );
}

/**
 * A busy indicator above the content rather than around it: wrapped in ui5-busy-indicator, a
 * table no longer gets its width from the page and cannot move columns into pop-in rows.
 */
export function Busy({ active, children }: { active: boolean; children: ReactNode }) {
  return (
    <>
      {active && <BusyIndicator active delay={300} size="S" style={{ display: 'block', width: '100%' }} />}
      <div aria-busy={active} style={{ opacity: active ? 0.6 : 1 }}>
        {children}
      </div>
    </>
  );
}

export function formatTime(language: string, iso: string | null | undefined): string {
  if (!iso) return '–';
  return new Date(iso).toLocaleString(language === 'de' ? 'de-DE' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'medium',
  });
}

export type ValueState = 'None' | 'Positive' | 'Critical' | 'Negative' | 'Information';

const OUTCOME_STATES: Record<JournalOutcome, ValueState> = {
  synced: 'Positive',
  merged: 'Positive',
  echo: 'None',
  skipped: 'Information',
  info: 'Information',
  deleted: 'Critical',
  conflict: 'Critical',
  pending: 'Critical',
  retried: 'Critical',
  ambiguous: 'Critical',
  drift: 'None',
  failed: 'Negative',
};
export function OutcomeStatus({ outcome }: { outcome: string }) {
  const { t } = useI18n();
  return (
    <ObjectStatus state={OUTCOME_STATES[outcome as JournalOutcome] ?? 'None'} data-testid={`outcome-${outcome}`}>
      {t(`outcome.${outcome}`)}
    </ObjectStatus>
  );
}

const USER_STATES: Record<string, ValueState> = {
  'in-sync': 'Positive',
  new: 'Information',
  subscribing: 'Information',
  failing: 'Negative',
  accessDenied: 'Critical',
  paused: 'Critical',
  disabled: 'None',
};
export function UserStatus({ status }: { status: string }) {
  const { t } = useI18n();
  return <ObjectStatus state={USER_STATES[status] ?? 'None'}>{t(`userStatus.${status}`)}</ObjectStatus>;
}
