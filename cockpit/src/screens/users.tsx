import { useEffect, useRef, useState } from 'react';
import {
  Bar,
  Button,
  CheckBox,
  Dialog,
  FileUploader,
  FlexBox,
  Input,
  Label,
  MessageStrip,
  Option,
  ProgressIndicator,
  Select,
  Switch,
  Table,
  TableCell,
  TableHeaderCell,
  TableHeaderRow,
  TableRow,
  Text,
  TextArea,
} from '@ui5/webcomponents-react';
import '@ui5/webcomponents-icons/dist/add.js';
import '@ui5/webcomponents-icons/dist/upload.js';
import '@ui5/webcomponents-icons/dist/delete.js';
import '@ui5/webcomponents-icons/dist/refresh.js';
import '@ui5/webcomponents-icons/dist/navigation-left-arrow.js';
import '@ui5/webcomponents-icons/dist/navigation-right-arrow.js';
import { api, errorText, type Environment, type ImportReport, type Page, type User } from '../api.js';
import { useApp } from '../app-context.js';
import { Busy, ErrorStrip, ScreenTitle, UserStatus, useLoad } from '../components/common.js';
import { fieldErrors, valueState } from '../components/field-errors.js';
import { useI18n } from '../i18n.js';

const PAGE_SIZE = 50;
const STATUSES = ['new', 'subscribing', 'in-sync', 'failing', 'accessDenied', 'paused', 'disabled'];
const KINDS = [
  ['syncAppointments', 'users.appointments'],
  ['syncTasks', 'users.tasks'],
  ['syncContacts', 'users.contacts'],
] as const;
type KindFlag = (typeof KINDS)[number][0];

/** What the admin must grant for a refused mailbox (the service names it with the Microsoft page). */
function hintOf(lastError: unknown): string {
  const hint = (lastError as { hint?: unknown } | null)?.hint;
  return typeof hint === 'string' ? hint : '';
}

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

/**
 * Users (mailboxes): the server searches, filters and pages — a tenant with 10,000 users loads 50
 * rows at a time. Initial loads are polled on the single user until they finish.
 */
export function UsersScreen() {
  const { t } = useI18n();
  const { canEdit } = useApp();
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState('');
  const [environmentId, setEnvironmentId] = useState('');
  const [offset, setOffset] = useState(0);
  const debouncedSearch = useDebounced(search, 300);
  const [actionError, setActionError] = useState<unknown>();
  const [adding, setAdding] = useState(false);
  const [importing, setImporting] = useState(false);
  const [rows, setRows] = useState<User[]>([]);

  useEffect(() => setOffset(0), [debouncedSearch, status, environmentId]);
  const environments = useLoad(() => api<{ items: Environment[] }>('GET', '/environments'), []);
  const page = useLoad(
    () =>
      api<Page<User>>('GET', '/users', {
        query: { search: debouncedSearch, status, environmentId, limit: PAGE_SIZE, offset },
      }),
    [debouncedSearch, status, environmentId, offset],
  );
  useEffect(() => {
    if (page.data) setRows(page.data.items);
  }, [page.data]);

  const replace = (user: User) => setRows((current) => current.map((row) => (row.id === user.id ? user : row)));
  const envName = (id: string) => environments.data?.items.find((e) => e.id === id)?.name ?? id.slice(0, 8);

  // Live progress: poll each user whose initial load is under way until it is done or failed.
  const loading = rows
    .filter((row) => row.initialLoad && ['queued', 'running'].includes(row.initialLoad.state))
    .map((row) => row.id)
    .join(',');
  useEffect(() => {
    if (!loading) return undefined;
    const timer = setInterval(() => {
      for (const id of loading.split(',')) void api<User>('GET', `/users/${id}`).then(replace, () => undefined);
    }, 1000);
    return () => clearInterval(timer);
  }, [loading]);

  const patch = async (user: User, change: Partial<Record<KindFlag | 'enabled', boolean>>) => {
    setActionError(undefined);
    try {
      replace(await api<User>('PATCH', `/users/${user.id}`, { body: change }));
    } catch (error) {
      setActionError(error);
      replace({ ...user });
    }
  };
  const startInitialLoad = async (user: User) => {
    setActionError(undefined);
    try {
      await api('POST', `/users/${user.id}/initial-load`);
      replace(await api<User>('GET', `/users/${user.id}`));
    } catch (error) {
      setActionError(error);
    }
  };
  const remove = async (user: User) => {
    setActionError(undefined);
    try {
      await api('DELETE', `/users/${user.id}`);
      await page.reload();
    } catch (error) {
      setActionError(error);
    }
  };

  const total = page.data?.total ?? 0;
  return (
    <>
      <ScreenTitle
        actions={
          canEdit && (
            <>
              <Button icon="add" onClick={() => setAdding(true)} data-testid="user-add">
                {t('users.add')}
              </Button>
              <Button icon="upload" onClick={() => setImporting(true)} data-testid="user-import">
                {t('users.import')}
              </Button>
            </>
          )
        }
      >
        {t('nav.users')}
      </ScreenTitle>
      <ErrorStrip
        error={page.error ?? actionError}
        onClose={actionError ? () => setActionError(undefined) : undefined}
      />
      <FlexBox wrap="Wrap" alignItems="End" style={{ gap: '0.75rem', marginBottom: '0.75rem' }}>
        <FlexBox direction="Column">
          <Label for="user-search">{t('users.search')}</Label>
          <Input
            id="user-search"
            data-testid="user-search"
            type="Search"
            showClearIcon
            placeholder={t('users.searchPlaceholder')}
            value={search}
            onInput={(e) => setSearch(e.target.value)}
            style={{ width: '18rem' }}
          />
        </FlexBox>
        <FlexBox direction="Column">
          <Label for="user-status">{t('users.status')}</Label>
          <Select
            id="user-status"
            data-testid="user-status-filter"
            onChange={(e) => setStatus(e.detail.selectedOption.dataset.value ?? '')}
          >
            <Option data-value="" selected={status === ''}>
              {t('common.all')}
            </Option>
            {STATUSES.map((s) => (
              <Option key={s} data-value={s} selected={status === s}>
                {t(`userStatus.${s}`)}
              </Option>
            ))}
          </Select>
        </FlexBox>
        <FlexBox direction="Column">
          <Label for="user-env">{t('users.environment')}</Label>
          <Select
            id="user-env"
            data-testid="user-env-filter"
            onChange={(e) => setEnvironmentId(e.detail.selectedOption.dataset.value ?? '')}
          >
            <Option data-value="" selected={environmentId === ''}>
              {t('common.all')}
            </Option>
            {environments.data?.items.map((env) => (
              <Option key={env.id} data-value={env.id} selected={environmentId === env.id}>
                {env.name}
              </Option>
            ))}
          </Select>
        </FlexBox>
      </FlexBox>
      <Busy active={page.loading}>
        <Table
          data-testid="users-table"
          overflowMode="Popin"
          noDataText={t('users.none')}
          headerRow={
            <TableHeaderRow sticky>
              <TableHeaderCell minWidth="12rem">{t('users.mailbox')}</TableHeaderCell>
              <TableHeaderCell minWidth="7rem" popinText={t('users.s4')}>
                {t('users.s4')}
              </TableHeaderCell>
              <TableHeaderCell minWidth="8rem" popinText={t('users.environment')}>
                {t('users.environment')}
              </TableHeaderCell>
              <TableHeaderCell minWidth="6rem">{t('users.status')}</TableHeaderCell>
              <TableHeaderCell minWidth="10rem" popinText={t('users.objectTypes')}>
                {t('users.objectTypes')}
              </TableHeaderCell>
              <TableHeaderCell minWidth="10rem" popinText={t('users.initialLoad')}>
                {t('users.initialLoad')}
              </TableHeaderCell>
              <TableHeaderCell minWidth="4rem" popinText={t('users.actions')}>
                {t('users.actions')}
              </TableHeaderCell>
            </TableHeaderRow>
          }
        >
          {rows.map((user) => (
            <TableRow key={user.id} rowKey={user.id} data-testid={`user-row-${user.smtpAddress}`}>
              <TableCell>
                <FlexBox direction="Column">
                  <Text>{user.smtpAddress}</Text>
                  {Boolean(user.lastError) && (
                    <Text
                      style={{ color: 'var(--sapNegativeTextColor)', overflowWrap: 'anywhere' }}
                      data-testid="user-last-error"
                    >
                      {errorText(user.lastError)}
                    </Text>
                  )}
                  {user.status === 'accessDenied' && (
                    <Text style={{ overflowWrap: 'anywhere' }} data-testid="user-access-hint">
                      {t('users.accessDeniedHint', { hint: hintOf(user.lastError) })}
                    </Text>
                  )}
                </FlexBox>
              </TableCell>
              <TableCell>
                <Text>{[user.s4User, user.employeeBp].filter(Boolean).join(' / ')}</Text>
              </TableCell>
              <TableCell>
                <Text>{envName(user.environmentId)}</Text>
              </TableCell>
              <TableCell>
                <UserStatus status={user.status} />
              </TableCell>
              <TableCell>
                <FlexBox direction="Column">
                  {KINDS.map(([flag, label]) => (
                    <FlexBox key={flag} alignItems="Center" style={{ gap: '0.25rem' }}>
                      <Switch
                        checked={user[flag]}
                        disabled={!canEdit}
                        accessibleName={`${t(label)} ${user.smtpAddress}`}
                        data-testid={`user-${flag}`}
                        onChange={(e) => void patch(user, { [flag]: e.target.checked })}
                      />
                      <Text>{t(label)}</Text>
                    </FlexBox>
                  ))}
                  <FlexBox alignItems="Center" style={{ gap: '0.25rem' }}>
                    <Switch
                      checked={user.enabled}
                      disabled={!canEdit}
                      accessibleName={`${t('users.enabled')} ${user.smtpAddress}`}
                      data-testid="user-enabled"
                      onChange={(e) => void patch(user, { enabled: e.target.checked })}
                    />
                    <Text>{t('users.enabled')}</Text>
                  </FlexBox>
                </FlexBox>
              </TableCell>
              <TableCell>
                <InitialLoadCell user={user} canEdit={canEdit} onStart={() => void startInitialLoad(user)} />
              </TableCell>
              <TableCell>
                {canEdit && (
                  <Button
                    icon="delete"
                    design="Transparent"
                    tooltip={t('users.remove')}
                    accessibleName={`${t('users.remove')} ${user.smtpAddress}`}
                    data-testid="user-remove"
                    onClick={() => void remove(user)}
                  />
                )}
              </TableCell>
            </TableRow>
          ))}
        </Table>
      </Busy>
      <FlexBox
        justifyContent="End"
        alignItems="Center"
        style={{ gap: '0.5rem', marginTop: '0.5rem' }}
        data-testid="users-paging"
      >
        <Button
          icon="navigation-left-arrow"
          design="Transparent"
          disabled={offset === 0}
          onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
          data-testid="users-previous"
        >
          {t('common.previous')}
        </Button>
        <Text data-testid="users-range">
          {total === 0
            ? '0'
            : t('users.range', {
                from: offset + 1,
                to: Math.min(offset + PAGE_SIZE, total),
                total: total.toLocaleString(),
              })}
        </Text>
        <Button
          endIcon="navigation-right-arrow"
          design="Transparent"
          disabled={offset + PAGE_SIZE >= total}
          onClick={() => setOffset(offset + PAGE_SIZE)}
          data-testid="users-next"
        >
          {t('common.next')}
        </Button>
      </FlexBox>
      {adding && (
        <AddUserDialog
          environments={environments.data?.items ?? []}
          onClose={(created) => {
            setAdding(false);
            if (created) void page.reload();
          }}
        />
      )}
      {importing && (
        <ImportDialog
          onClose={(changed) => {
            setImporting(false);
            if (changed) void page.reload();
          }}
        />
      )}
    </>
  );
}

function InitialLoadCell({ user, canEdit, onStart }: { user: User; canEdit: boolean; onStart: () => void }) {
  const { t } = useI18n();
  const load = user.initialLoad;
  const running = load && ['queued', 'running'].includes(load.state);
  const percent = load
    ? load.total
      ? Math.round((100 * load.done) / load.total)
      : load.state === 'done'
        ? 100
        : 0
    : 0;
  return (
    <FlexBox direction="Column" style={{ gap: '0.25rem', width: '100%' }} data-testid="initial-load">
      {load && (
        <ProgressIndicator
          value={percent}
          data-testid="initial-load-progress"
          data-state={load.state}
          valueState={load.state === 'failed' ? 'Negative' : load.state === 'done' ? 'Positive' : 'None'}
          displayValue={`${t(`initialLoad.${load.state}`)} ${load.done}${load.total !== null ? ` / ${load.total}` : ''}`}
        />
      )}
      {load?.error && <Text style={{ color: 'var(--sapNegativeTextColor)' }}>{load.error}</Text>}
      {canEdit && (
        <Button
          design="Transparent"
          icon="refresh"
          disabled={Boolean(running)}
          onClick={onStart}
          data-testid="initial-load-start"
        >
          {t('users.startInitialLoad')}
        </Button>
      )}
    </FlexBox>
  );
}

function AddUserDialog({
  environments,
  onClose,
}: {
  environments: Environment[];
  onClose: (created: boolean) => void;
}) {
  const { t } = useI18n();
  const [form, setForm] = useState({
    smtpAddress: '',
    environmentId: environments[0]?.id ?? '',
    s4User: '',
    employeeBp: '',
    syncAppointments: true,
    syncTasks: true,
    syncContacts: true,
  });
  const [error, setError] = useState<unknown>();
  const [saving, setSaving] = useState(false);
  const errors = fieldErrors(error);
  const set = (key: keyof typeof form, value: string | boolean) => setForm((f) => ({ ...f, [key]: value }));
  const save = async () => {
    setSaving(true);
    setError(undefined);
    try {
      await api('POST', '/users', {
        body: { ...form, s4User: form.s4User || undefined, employeeBp: form.employeeBp || undefined },
      });
      onClose(true);
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Dialog
      open
      headerText={t('users.add')}
      data-testid="user-add-dialog"
      onClose={() => onClose(false)}
      footer={
        <Bar
          endContent={
            <>
              <Button design="Emphasized" onClick={() => void save()} disabled={saving} data-testid="user-add-save">
                {t('common.save')}
              </Button>
              <Button design="Transparent" onClick={() => onClose(false)}>
                {t('common.cancel')}
              </Button>
            </>
          }
        />
      }
    >
      <FlexBox direction="Column" style={{ gap: '0.5rem', minWidth: 'min(24rem, 80vw)' }}>
        {error !== undefined && Object.keys(errors).length === 0 && <ErrorStrip error={error} />}
        <Label for="new-user-smtp" required>
          {t('users.mailbox')}
        </Label>
        <Input
          id="new-user-smtp"
          data-testid="new-user-smtp"
          type="Email"
          value={form.smtpAddress}
          onInput={(e) => set('smtpAddress', e.target.value)}
          {...valueState(errors, 'smtpAddress')}
        />
        <Label for="new-user-env" required>
          {t('users.environment')}
        </Label>
        <Select
          id="new-user-env"
          data-testid="new-user-env"
          onChange={(e) => set('environmentId', e.detail.selectedOption.dataset.value ?? '')}
          {...valueState(errors, 'environmentId')}
        >
          {environments.map((env) => (
            <Option key={env.id} data-value={env.id} selected={form.environmentId === env.id}>
              {env.name}
            </Option>
          ))}
        </Select>
        <Label for="new-user-s4">{t('users.s4User')}</Label>
        <Input
          id="new-user-s4"
          data-testid="new-user-s4"
          value={form.s4User}
          onInput={(e) => set('s4User', e.target.value)}
          {...valueState(errors, 's4User')}
        />
        <Label for="new-user-bp">{t('users.employeeBp')}</Label>
        <Input
          id="new-user-bp"
          data-testid="new-user-bp"
          value={form.employeeBp}
          onInput={(e) => set('employeeBp', e.target.value)}
          {...valueState(errors, 'employeeBp')}
        />
        {KINDS.map(([flag, label]) => (
          <CheckBox key={flag} text={t(label)} checked={form[flag]} onChange={(e) => set(flag, e.target.checked)} />
        ))}
      </FlexBox>
    </Dialog>
  );
}

function ImportDialog({ onClose }: { onClose: (changed: boolean) => void }) {
  const { t } = useI18n();
  const [csv, setCsv] = useState('');
  const [report, setReport] = useState<ImportReport>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const changed = useRef(false);
  const run = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const result = await api<ImportReport>('POST', '/users/import', { body: csv, contentType: 'text/csv' });
      changed.current ||= result.created + result.updated > 0;
      setReport(result);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      open
      headerText={t('users.import')}
      data-testid="user-import-dialog"
      resizable
      style={{ width: 'min(48rem, 95vw)' }}
      onClose={() => onClose(changed.current)}
      footer={
        <Bar
          endContent={
            <>
              <Button
                design="Emphasized"
                onClick={() => void run()}
                disabled={busy || !csv.trim()}
                data-testid="user-import-run"
              >
                {t('users.importRun')}
              </Button>
              <Button design="Transparent" onClick={() => onClose(changed.current)} data-testid="user-import-close">
                {t('common.close')}
              </Button>
            </>
          }
        />
      }
    >
      <FlexBox direction="Column" style={{ gap: '0.5rem' }}>
        <Text>{t('users.importHelp')}</Text>
        <FileUploader
          accept=".csv,text/csv"
          placeholder={t('users.importFile')}
          data-testid="user-import-file"
          onChange={(e) => {
            const file = e.detail.files?.[0];
            if (file) void file.text().then(setCsv);
          }}
        />
        <TextArea
          rows={6}
          value={csv}
          onInput={(e) => setCsv(e.target.value)}
          data-testid="user-import-text"
          accessibleName={t('users.importText')}
          placeholder="smtpAddress,environment,s4User,employeeBp,appointments,tasks,contacts,enabled"
        />
        <ErrorStrip error={error} />
        {report && (
          <>
            <MessageStrip
              design={report.failed ? 'Critical' : 'Positive'}
              hideCloseButton
              data-testid="user-import-summary"
            >
              {t('users.importSummary', { created: report.created, updated: report.updated, failed: report.failed })}
            </MessageStrip>
            <Table
              data-testid="user-import-report"
              headerRow={
                <TableHeaderRow>
                  <TableHeaderCell width="5rem">{t('users.importRow')}</TableHeaderCell>
                  <TableHeaderCell>{t('users.mailbox')}</TableHeaderCell>
                  <TableHeaderCell>{t('users.importOutcome')}</TableHeaderCell>
                  <TableHeaderCell>{t('users.importMessage')}</TableHeaderCell>
                </TableHeaderRow>
              }
            >
              {report.rows.map((row) => (
                <TableRow key={row.row} rowKey={String(row.row)} data-testid={`import-row-${row.row}`}>
                  <TableCell>
                    <Text>{row.row}</Text>
                  </TableCell>
                  <TableCell>
                    <Text>{row.smtpAddress ?? ''}</Text>
                  </TableCell>
                  <TableCell>
                    <Text style={{ color: row.outcome === 'error' ? 'var(--sapNegativeTextColor)' : undefined }}>
                      {t(`users.importOutcome.${row.outcome}`)}
                    </Text>
                  </TableCell>
                  <TableCell>
                    <Text>{row.message ?? ''}</Text>
                  </TableCell>
                </TableRow>
              ))}
            </Table>
          </>
        )}
      </FlexBox>
    </Dialog>
  );
}
