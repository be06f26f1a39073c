import { useState } from 'react';
import {
  Bar,
  BusyIndicator,
  Button,
  Dialog,
  FlexBox,
  Input,
  Label,
  List,
  ListItemCustom,
  MessageStrip,
  ObjectStatus,
  Option,
  Select,
  StepInput,
  Switch,
  Table,
  TableCell,
  TableHeaderCell,
  TableHeaderRow,
  TableRow,
  Text,
  TextArea,
} from '@ui5/webcomponents-react';
import '@ui5/webcomponents-icons/dist/edit.js';
import '@ui5/webcomponents-icons/dist/lab.js';
import { api, type Environment, type TestStep } from '../api.js';
import { useApp } from '../app-context.js';
import { Busy, ErrorStrip, ScreenTitle, useLoad } from '../components/common.js';
import { fieldErrors, valueState } from '../components/field-errors.js';
import { useI18n } from '../i18n.js';

type Kind = Environment['kind'];
const KINDS: Kind[] = ['ews-onprem', 'ews-online', 'graph'];
type FieldType = 'text' | 'number' | 'email' | 'url' | 'secret' | 'pem' | 'switch' | { options: string[] };
interface FieldSpec {
  key: string;
  type: FieldType;
  required?: boolean;
}

const COMMON: FieldSpec[] = [
  { key: 'name', type: 'text', required: true },
  { key: 'maxConcurrency', type: 'number' },
  { key: 'testMailbox', type: 'email' },
];
const ENTRA: FieldSpec[] = [
  { key: 'directoryId', type: 'text', required: true },
  { key: 'clientId', type: 'text', required: true },
  { key: 'clientSecret', type: 'secret' },
  { key: 'certificate.privateKeyPem', type: 'pem' },
  { key: 'certificate.thumbprint', type: 'text' },
  { key: 'authorityHost', type: 'url' },
  { key: 'caCertificate', type: 'pem' },
];
/** The inputs of each kind, as src/environments/environment-schema.ts accepts them. */
const FIELDS: Record<Kind, FieldSpec[]> = {
  'ews-onprem': [
    ...COMMON,
    { key: 'url', type: 'url', required: true },
    { key: 'auth', type: { options: ['basic', 'ntlm'] } },
    { key: 'username', type: 'text', required: true },
    { key: 'password', type: 'secret' },
    { key: 'domain', type: 'text' },
    { key: 'impersonation', type: 'switch' },
    { key: 'serverVersion', type: { options: ['Exchange2013', 'Exchange2013_SP1', 'Exchange2016', 'Exchange2019'] } },
    { key: 'caCertificate', type: 'pem' },
  ],
  'ews-online': [...COMMON, ...ENTRA, { key: 'url', type: 'url' }],
  graph: [...COMMON, ...ENTRA, { key: 'baseUrl', type: 'url' }],
};
const DEFAULTS: Record<Kind, Record<string, unknown>> = {
  'ews-onprem': { maxConcurrency: 10, auth: 'basic', impersonation: true, serverVersion: 'Exchange2016' },
  'ews-online': { maxConcurrency: 10, url: 'https://outlook.office365.com/EWS/Exchange.asmx' },
  graph: { maxConcurrency: 10, baseUrl: 'https://graph.microsoft.com/v1.0' },
};
/** Secret inputs: never shown, only whether they are set; an empty input on edit keeps the stored one. */
const SECRET_OF: Record<string, string> = {
  password: 'password',
  clientSecret: 'clientSecret',
  'certificate.privateKeyPem': 'certificate',
  'certificate.thumbprint': 'certificate',
};

function toBody(kind: Kind, values: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = { kind };
  for (const field of FIELDS[kind]) {
    const value = values[field.key];
    if (value === undefined || value === '') continue;
    if (field.key.startsWith('certificate.')) {
      const certificate = (body.certificate ??= {}) as Record<string, unknown>;
      certificate[field.key.slice('certificate.'.length)] = value;
    } else {
      body[field.key] = field.type === 'number' ? Number(value) : value;
    }
  }
  return body;
}

function fromEnvironment(env: Environment): Record<string, unknown> {
  return {
    ...DEFAULTS[env.kind],
    ...env.connection,
    name: env.name,
    maxConcurrency: env.maxConcurrency,
    testMailbox: env.testMailbox ?? '',
  };
}

/**
 * Microsoft blocks EWS in Exchange Online by default and then switches it off (the API names the
 * dates); an admin must see it on every ews-online environment, with where to go next — and can
 * move all its users to a Graph environment from here.
 */
function RetirementStrip({
  env,
  environments,
  onMoved,
}: {
  env: Environment;
  environments: Environment[];
  onMoved: () => void;
}) {
  const { t, language } = useI18n();
  const { canEdit } = useApp();
  const [moving, setMoving] = useState(false);
  if (!env.retirement) return null;
  const date = (iso: string) =>
    new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`));
  return (
    <MessageStrip
      design="Critical"
      hideCloseButton
      data-testid={`environment-retirement-${env.name}`}
      style={{ marginBottom: '0.5rem' }}
    >
      {t('environments.retirement', {
        name: env.name,
        blocked: date(env.retirement.blockedByDefaultFrom),
        off: date(env.retirement.switchedOffOn),
      })}{' '}
      {canEdit && (
        <Button design="Transparent" onClick={() => setMoving(true)} data-testid="environment-move-users">
          {t('environments.moveUsers')}
        </Button>
      )}
      {moving && (
        <MoveUsersDialog
          env={env}
          targets={environments.filter((e) => e.kind === 'graph')}
          onClose={(moved) => {
            setMoving(false);
            if (moved) onMoved();
          }}
        />
      )}
    </MessageStrip>
  );
}

interface MoveResult {
  moved: number;
  initialLoadsQueued: number;
}

/**
 * "Move users to Microsoft Graph": every user of the ews-online environment moves to the chosen
 * Graph environment through the EWS → Graph switch (POST /environments/{id}/move-users), each with
 * its full resync. Without a Graph environment there is nothing to choose: it must be added first.
 */
function MoveUsersDialog({
  env,
  targets,
  onClose,
}: {
  env: Environment;
  targets: Environment[];
  onClose: (moved: boolean) => void;
}) {
  const { t } = useI18n();
  const [target, setTarget] = useState(targets[0]?.id ?? '');
  const [result, setResult] = useState<MoveResult>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const users = useLoad(
    () => api<{ total: number }>('GET', '/users', { query: { environmentId: env.id, limit: 1 } }),
    [env.id],
  );
  const targetName = targets.find((e) => e.id === target)?.name ?? '';
  const move = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setResult(await api<MoveResult>('POST', `/environments/${env.id}/move-users`, { body: { to: target } }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      open
      headerText={t('environments.moveUsersTitle', { name: env.name })}
      data-testid="move-users-dialog"
      onClose={() => onClose(result !== undefined)}
      footer={
        <Bar
          endContent={
            <>
              {!result && targets.length > 0 && (
                <Button
                  design="Emphasized"
                  disabled={busy || !target}
                  onClick={() => void move()}
                  data-testid="move-users-confirm"
                >
                  {t('environments.moveUsersConfirm')}
                </Button>
              )}
              <Button design="Transparent" onClick={() => onClose(result !== undefined)} data-testid="move-users-close">
                {result ? t('common.close') : t('common.cancel')}
              </Button>
            </>
          }
        />
      }
    >
      <FlexBox direction="Column" style={{ gap: '0.5rem', minWidth: 'min(28rem, 80vw)' }}>
        <ErrorStrip error={error} />
        {targets.length === 0 ? (
          <MessageStrip design="Information" hideCloseButton data-testid="move-users-no-graph">
            {t('environments.moveUsersNoGraph')}
          </MessageStrip>
        ) : result ? (
          <MessageStrip design="Positive" hideCloseButton data-testid="move-users-result">
            {t('environments.moveUsersDone', {
              moved: result.moved,
              target: targetName,
              resyncs: result.initialLoadsQueued,
            })}
          </MessageStrip>
        ) : (
          <>
            <Label for="move-users-target" required>
              {t('environments.moveUsersTarget')}
            </Label>
            <Select
              id="move-users-target"
              data-testid="move-users-target"
              onChange={(e) => setTarget(e.detail.selectedOption.dataset.value ?? '')}
            >
              {targets.map((e) => (
                <Option key={e.id} data-value={e.id} selected={target === e.id}>
                  {e.name}
                </Option>
              ))}
            </Select>
            <Text data-testid="move-users-summary">
              {t('environments.moveUsersSummary', {
                count: users.data?.total ?? '…',
                name: env.name,
                target: targetName,
              })}
            </Text>
          </>
        )}
      </FlexBox>
    </Dialog>
  );
}

/** Exchange environments (EWS on-premises, EWS Exchange Online, Microsoft Graph) and their Test button. */
export function EnvironmentsScreen() {
  const { t } = useI18n();
  const { canEdit } = useApp();
  const list = useLoad(() => api<{ items: Environment[] }>('GET', '/environments'), []);
  const [editing, setEditing] = useState<Environment | 'new'>();
  const [testing, setTesting] = useState<{ env: Environment; steps?: TestStep[]; error?: unknown }>();
  const [error, setError] = useState<unknown>();

  const test = async (env: Environment) => {
    setTesting({ env });
    try {
      const result = await api<{ steps: TestStep[] }>('POST', `/environments/${env.id}/test`);
      setTesting({ env, steps: result.steps });
    } catch (e) {
      setTesting({ env, error: e });
    }
  };
  const remove = async (env: Environment) => {
    setError(undefined);
    try {
      await api('DELETE', `/environments/${env.id}`);
    } catch (e) {
      setError(e);
    }
    await list.reload();
  };

  return (
    <>
      <ScreenTitle
        actions={
          canEdit && (
            <Button icon="add" onClick={() => setEditing('new')} data-testid="environment-add">
              {t('environments.add')}
            </Button>
          )
        }
      >
        {t('nav.environments')}
      </ScreenTitle>
      <ErrorStrip error={list.error ?? error} />
      {list.data?.items.map((env) => (
        <RetirementStrip
          key={env.id}
          env={env}
          environments={list.data?.items ?? []}
          onMoved={() => void list.reload()}
        />
      ))}
      <Busy active={list.loading}>
        <Table
          data-testid="environments-table"
          overflowMode="Popin"
          noDataText={t('environments.none')}
          headerRow={
            <TableHeaderRow sticky>
              <TableHeaderCell minWidth="10rem">{t('environments.name')}</TableHeaderCell>
              <TableHeaderCell minWidth="9rem">{t('environments.kind')}</TableHeaderCell>
              <TableHeaderCell minWidth="10rem" popinText={t('environments.endpoint')}>
                {t('environments.endpoint')}
              </TableHeaderCell>
              <TableHeaderCell minWidth="9rem" popinText={t('env.field.testMailbox')}>
                {t('env.field.testMailbox')}
              </TableHeaderCell>
              <TableHeaderCell minWidth="7rem" popinText={t('environments.secrets')}>
                {t('environments.secrets')}
              </TableHeaderCell>
              <TableHeaderCell minWidth="13rem">{t('users.actions')}</TableHeaderCell>
            </TableHeaderRow>
          }
        >
          {list.data?.items.map((env) => (
            <TableRow key={env.id} rowKey={env.id} data-testid={`environment-${env.name}`}>
              <TableCell>
                <Text>{env.name}</Text>
              </TableCell>
              <TableCell>
                <Text>{t(`environments.kind.${env.kind}`)}</Text>
              </TableCell>
              <TableCell>
                <Text>{String(env.connection.url ?? env.connection.baseUrl ?? '')}</Text>
              </TableCell>
              <TableCell>
                <Text>{env.testMailbox ?? '–'}</Text>
              </TableCell>
              <TableCell>
                <Text>
                  {env.secretsSet.length
                    ? env.secretsSet.map((s) => `${t(`env.field.${s}`)}: ${t('environments.set')}`).join(', ')
                    : t('environments.noSecret')}
                </Text>
              </TableCell>
              <TableCell>
                <FlexBox style={{ gap: '0.25rem' }} wrap="Wrap">
                  {canEdit && (
                    <Button icon="lab" onClick={() => void test(env)} data-testid="environment-test">
                      {t('environments.test')}
                    </Button>
                  )}
                  {canEdit && (
                    <Button
                      icon="edit"
                      design="Transparent"
                      onClick={() => setEditing(env)}
                      data-testid="environment-edit"
                    >
                      {t('common.edit')}
                    </Button>
                  )}
                  {canEdit && (
                    <Button
                      icon="delete"
                      design="Transparent"
                      onClick={() => void remove(env)}
                      data-testid="environment-delete"
                      accessibleName={`${t('common.delete')} ${env.name}`}
                    />
                  )}
                </FlexBox>
              </TableCell>
            </TableRow>
          ))}
        </Table>
      </Busy>
      {editing && (
        <EnvironmentDialog
          environment={editing === 'new' ? undefined : editing}
          onClose={(saved) => {
            setEditing(undefined);
            if (saved) void list.reload();
          }}
        />
      )}
      {testing && <TestDialog {...testing} onClose={() => setTesting(undefined)} />}
    </>
  );
}

/** A step not run because an earlier one failed (the connectors report it as not ok, 0 ms, "Skipped because …"). */
const skipped = (step: TestStep) => !step.ok && step.durationMs === 0 && /^skipped\b/i.test(step.message);

function TestDialog({
  env,
  steps,
  error,
  onClose,
}: {
  env: Environment;
  steps?: TestStep[];
  error?: unknown;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const ok = steps?.every((s) => s.ok);
  return (
    <Dialog
      open
      headerText={t('environments.testTitle', { name: env.name })}
      data-testid="environment-test-dialog"
      onClose={onClose}
      style={{ width: 'min(40rem, 95vw)' }}
      footer={
        <Bar
          endContent={
            <Button design="Emphasized" onClick={onClose} data-testid="environment-test-close">
              {t('common.close')}
            </Button>
          }
        />
      }
    >
      {!steps && !error && <BusyIndicator active data-testid="environment-test-running" style={{ width: '100%' }} />}
      <ErrorStrip error={error} />
      {steps && (
        <>
          <ObjectStatus state={ok ? 'Positive' : 'Negative'} showDefaultIcon data-testid="environment-test-result">
            {ok ? t('environments.testOk') : t('environments.testFailed')}
          </ObjectStatus>
          <List data-testid="environment-test-steps" accessibleName={t('environments.testSteps')}>
            {steps.map((step) => (
              <ListItemCustom key={step.step} data-testid={`test-step-${step.step}`} data-ok={String(step.ok)}>
                <FlexBox direction="Column" style={{ padding: '0.5rem 0', gap: '0.25rem' }}>
                  <ObjectStatus
                    state={step.ok ? 'Positive' : skipped(step) ? 'None' : 'Negative'}
                    showDefaultIcon={!skipped(step)}
                  >
                    {`${t(`environments.step.${step.step}`) === `environments.step.${step.step}` ? step.step : t(`environments.step.${step.step}`)} – ${
                      step.ok
                        ? t('environments.stepOk')
                        : skipped(step)
                          ? t('environments.stepSkipped')
                          : t('environments.stepFailed')
                    }`}
                  </ObjectStatus>
                  <Text>{step.message}</Text>
                  <Text style={{ color: 'var(--sapContent_LabelColor)' }}>{`${step.durationMs} ms`}</Text>
                </FlexBox>
              </ListItemCustom>
            ))}
          </List>
        </>
      )}
    </Dialog>
  );
}

function EnvironmentDialog({ environment, onClose }: { environment?: Environment; onClose: (saved: boolean) => void }) {
  const { t } = useI18n();
  const [kind, setKind] = useState<Kind>(environment?.kind ?? 'ews-onprem');
  const [values, setValues] = useState<Record<string, unknown>>(
    environment ? fromEnvironment(environment) : DEFAULTS['ews-onprem'],
  );
  const [error, setError] = useState<unknown>();
  const errors = fieldErrors(error);
  const set = (key: string, value: unknown) => setValues((v) => ({ ...v, [key]: value }));
  const save = async () => {
    setError(undefined);
    try {
      const body = toBody(kind, values);
      if (environment) await api('PUT', `/environments/${environment.id}`, { body });
      else await api('POST', '/environments', { body });
      onClose(true);
    } catch (e) {
      setError(e);
    }
  };
  const input = (field: FieldSpec) => {
    const id = `env-${field.key.replace('.', '-')}`;
    const value = values[field.key];
    const state = valueState(errors, field.key);
    const secretSet = SECRET_OF[field.key] && environment?.secretsSet.includes(SECRET_OF[field.key]!);
    const placeholder = secretSet ? t('environments.secretSet') : undefined;
    if (field.type === 'switch')
      return (
        <Switch id={id} data-testid={id} checked={Boolean(value)} onChange={(e) => set(field.key, e.target.checked)} />
      );
    if (typeof field.type === 'object') {
      return (
        <Select
          id={id}
          data-testid={id}
          onChange={(e) => set(field.key, e.detail.selectedOption.dataset.value)}
          {...state}
        >
          {field.type.options.map((option) => (
            <Option key={option} data-value={option} selected={value === option}>
              {option}
            </Option>
          ))}
        </Select>
      );
    }
    if (field.type === 'number') {
      return (
        <StepInput
          id={id}
          data-testid={id}
          min={1}
          max={100}
          value={Number(value ?? 10)}
          onChange={(e) => set(field.key, e.target.value)}
          {...state}
        />
      );
    }
    if (field.type === 'pem') {
      return (
        <TextArea
          id={id}
          data-testid={id}
          rows={3}
          value={field.key.startsWith('certificate.') ? '' : String(value ?? '')}
          placeholder={placeholder ?? '-----BEGIN …-----'}
          onInput={(e) => set(field.key, e.target.value)}
          {...state}
        />
      );
    }
    return (
      <Input
        id={id}
        data-testid={id}
        type={
          field.type === 'secret'
            ? 'Password'
            : field.type === 'email'
              ? 'Email'
              : field.type === 'url'
                ? 'URL'
                : 'Text'
        }
        value={field.type === 'secret' ? String(values[field.key] ?? '') : String(value ?? '')}
        placeholder={placeholder}
        onInput={(e) => set(field.key, e.target.value)}
        {...state}
      />
    );
  };
  const unplaced = Object.entries(errors).filter(([path]) => !FIELDS[kind].some((f) => f.key === path));
  return (
    <Dialog
      open
      headerText={environment ? t('environments.edit', { name: environment.name }) : t('environments.add')}
      data-testid="environment-dialog"
      onClose={() => onClose(false)}
      style={{ width: 'min(44rem, 95vw)' }}
      footer={
        <Bar
          endContent={
            <>
              <Button design="Emphasized" onClick={() => void save()} data-testid="environment-save">
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
      <FlexBox direction="Column" style={{ gap: '0.6rem' }}>
        {error !== undefined && (Object.keys(errors).length === 0 || unplaced.length > 0) && (
          <ErrorStrip error={unplaced.length ? new Error(unplaced.map(([p, m]) => `${p}: ${m}`).join('; ')) : error} />
        )}
        <Label for="env-kind" required>
          {t('environments.kind')}
        </Label>
        <Select
          id="env-kind"
          data-testid="env-kind"
          disabled={Boolean(environment)}
          onChange={(e) => {
            const next = e.detail.selectedOption.dataset.value as Kind;
            setKind(next);
            setValues((v) => ({ ...DEFAULTS[next], ...v }));
          }}
        >
          {KINDS.map((k) => (
            <Option key={k} data-value={k} selected={kind === k}>
              {t(`environments.kind.${k}`)}
            </Option>
          ))}
        </Select>
        <Text style={{ color: 'var(--sapContent_LabelColor)' }}>{t(`environments.kindHelp.${kind}`)}</Text>
        {FIELDS[kind].map((field) => (
          <FlexBox key={field.key} direction="Column" style={{ gap: '0.15rem' }}>
            <Label for={`env-${field.key.replace('.', '-')}`} required={field.required} showColon>
              {t(`env.field.${field.key}`)}
            </Label>
            {input(field)}
            <Text style={{ color: 'var(--sapContent_LabelColor)', fontSize: 'var(--sapFontSmallSize)' }}>
              {t(`env.help.${field.key}`)}
            </Text>
          </FlexBox>
        ))}
      </FlexBox>
    </Dialog>
  );
}
