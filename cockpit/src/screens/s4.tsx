import { useState } from 'react';
import {
  Bar,
  BusyIndicator,
  Button,
  Dialog,
  FlexBox,
  Form,
  FormItem,
  Input,
  Label,
  List,
  ListItemCustom,
  MessageStrip,
  ObjectStatus,
  Option,
  Select,
  Text,
} from '@ui5/webcomponents-react';
import '@ui5/webcomponents-icons/dist/edit.js';
import '@ui5/webcomponents-icons/dist/lab.js';
import { ApiError, api, type S4Connection, type S4TestStep } from '../api.js';
import { useApp } from '../app-context.js';
import { Busy, ErrorStrip, ScreenTitle, formatTime, useLoad } from '../components/common.js';
import { fieldErrors, valueState } from '../components/field-errors.js';
import { useI18n } from '../i18n.js';

/**
 * How Tandem reaches S/4HANA (the tenant's BTP destination, or a URL outside BTP) and the S/4 Test:
 * reach, log on, compare each service's $metadata with what Tandem uses, read with the communication
 * user, and the last heartbeat of the ABAP event sender. Set up S/4 with docs/s4-setup.md first.
 */
export function S4Screen() {
  const { t, language } = useI18n();
  const { canEdit } = useApp();
  const connection = useLoad(
    () =>
      api<S4Connection>('GET', '/s4-connection').catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 404) return undefined;
        throw error;
      }),
    [],
  );
  const [editing, setEditing] = useState(false);
  const [testing, setTesting] = useState<{ steps?: S4TestStep[]; error?: unknown }>();
  const test = async () => {
    setTesting({});
    try {
      const result = await api<{ steps: S4TestStep[] }>('POST', '/s4-connection/test');
      setTesting({ steps: result.steps });
    } catch (error) {
      setTesting({ error });
    }
  };
  const c = connection.data;
  return (
    <>
      <ScreenTitle
        actions={
          canEdit && (
            <>
              <Button icon="lab" disabled={!c} onClick={() => void test()} data-testid="s4-test">
                {t('s4.test')}
              </Button>
              <Button icon="edit" design="Transparent" onClick={() => setEditing(true)} data-testid="s4-edit">
                {t('common.edit')}
              </Button>
            </>
          )
        }
      >
        {t('nav.s4')}
      </ScreenTitle>
      <MessageStrip design="Information" hideCloseButton style={{ marginBottom: '0.5rem' }}>
        {t('s4.explain')}
      </MessageStrip>
      <ErrorStrip error={connection.error} />
      <Busy active={connection.loading}>
        {!connection.loading && !c && <Text data-testid="s4-none">{t('s4.none')}</Text>}
        {c && (
          <Form data-testid="s4-connection" labelSpan="S12 M4 L3 XL3">
            <FormItem labelContent={<Label>{t('s4.kind')}</Label>}>
              <Text data-testid="s4-kind">{t(`s4.kind.${c.kind}`)}</Text>
            </FormItem>
            {c.kind === 'destination' && (
              <FormItem labelContent={<Label>{t('s4.field.destinationName')}</Label>}>
                <Text data-testid="s4-destination">{c.destinationName}</Text>
              </FormItem>
            )}
            {c.kind === 'url' && (
              <>
                <FormItem labelContent={<Label>{t('s4.field.url')}</Label>}>
                  <Text data-testid="s4-url">{c.url}</Text>
                </FormItem>
                <FormItem labelContent={<Label>{t('s4.field.username')}</Label>}>
                  <Text>{c.username}</Text>
                </FormItem>
                <FormItem labelContent={<Label>{t('s4.field.sapClient')}</Label>}>
                  <Text>{c.sapClient}</Text>
                </FormItem>
                <FormItem labelContent={<Label>{t('s4.field.password')}</Label>}>
                  <Text>{c.passwordSet ? t('s4.passwordSet') : '–'}</Text>
                </FormItem>
              </>
            )}
            <FormItem labelContent={<Label>{t('s4.updatedAt')}</Label>}>
              <Text>{formatTime(language, c.updatedAt)}</Text>
            </FormItem>
          </Form>
        )}
      </Busy>
      {editing && (
        <S4Dialog
          connection={c}
          onClose={(saved) => {
            setEditing(false);
            if (saved) void connection.reload();
          }}
        />
      )}
      {testing && <S4TestDialog {...testing} onClose={() => setTesting(undefined)} />}
    </>
  );
}

const skipped = (step: S4TestStep) => !step.ok && step.durationMs === 0 && /^skipped\b/i.test(step.message);

function S4TestDialog({ steps, error, onClose }: { steps?: S4TestStep[]; error?: unknown; onClose: () => void }) {
  const { t } = useI18n();
  const ok = steps?.every((s) => s.ok);
  const label = (step: S4TestStep) => t(`s4.step.${step.step}`, { service: step.service ?? '' });
  return (
    <Dialog
      open
      headerText={t('s4.testTitle')}
      data-testid="s4-test-dialog"
      onClose={onClose}
      style={{ width: 'min(48rem, 95vw)' }}
      footer={
        <Bar
          endContent={
            <Button design="Emphasized" onClick={onClose} data-testid="s4-test-close">
              {t('common.close')}
            </Button>
          }
        />
      }
    >
      {!steps && !error && <BusyIndicator active data-testid="s4-test-running" style={{ width: '100%' }} />}
      <ErrorStrip error={error} />
      {steps && (
        <>
          <ObjectStatus state={ok ? 'Positive' : 'Negative'} showDefaultIcon data-testid="s4-test-result">
            {ok ? t('environments.testOk') : t('environments.testFailed')}
          </ObjectStatus>
          <List data-testid="s4-test-steps" accessibleName={t('environments.testSteps')}>
            {steps.map((step) => {
              const id = `${step.step}${step.service ? `-${step.service}` : ''}`;
              return (
                <ListItemCustom key={id} data-testid={`s4-step-${id}`} data-ok={String(step.ok)}>
                  <FlexBox direction="Column" style={{ padding: '0.5rem 0', gap: '0.25rem' }}>
                    <ObjectStatus
                      state={step.ok ? 'Positive' : skipped(step) ? 'None' : 'Negative'}
                      showDefaultIcon={!skipped(step)}
                    >
                      {`${label(step)} – ${step.ok ? t('environments.stepOk') : skipped(step) ? t('environments.stepSkipped') : t('environments.stepFailed')}`}
                    </ObjectStatus>
                    {step.problems ? (
                      step.problems.map((problem) => (
                        <Text key={problem} data-testid="s4-step-problem">{`• ${problem}`}</Text>
                      ))
                    ) : (
                      <Text>{step.message}</Text>
                    )}
                    {step.durationMs > 0 && (
                      <Text style={{ color: 'var(--sapContent_LabelColor)' }}>{`${step.durationMs} ms`}</Text>
                    )}
                  </FlexBox>
                </ListItemCustom>
              );
            })}
          </List>
        </>
      )}
    </Dialog>
  );
}

function S4Dialog({ connection, onClose }: { connection?: S4Connection; onClose: (saved: boolean) => void }) {
  const { t } = useI18n();
  const [kind, setKind] = useState<S4Connection['kind']>(connection?.kind ?? 'destination');
  const [values, setValues] = useState<Record<string, string>>({
    destinationName: connection?.destinationName ?? '',
    url: connection?.url ?? '',
    username: connection?.username ?? '',
    sapClient: connection?.sapClient ?? '100',
    password: '',
  });
  const [error, setError] = useState<unknown>();
  const errors = fieldErrors(error);
  const save = async () => {
    setError(undefined);
    const body =
      kind === 'destination'
        ? { kind, destinationName: values.destinationName }
        : {
            kind,
            url: values.url,
            username: values.username,
            sapClient: values.sapClient,
            ...(values.password ? { password: values.password } : {}),
          };
    try {
      await api('PUT', '/s4-connection', { body });
      onClose(true);
    } catch (e) {
      setError(e);
    }
  };
  const field = (key: string, type: 'Text' | 'URL' | 'Password' = 'Text') => (
    <FlexBox direction="Column" style={{ gap: '0.15rem' }}>
      <Label for={`s4-${key}`} showColon>
        {t(`s4.field.${key}`)}
      </Label>
      <Input
        id={`s4-${key}`}
        data-testid={`s4-${key}`}
        type={type}
        value={values[key] ?? ''}
        onInput={(e) => setValues((v) => ({ ...v, [key]: e.target.value }))}
        {...valueState(errors, `body.${key}`)}
      />
      <Text style={{ color: 'var(--sapContent_LabelColor)', fontSize: 'var(--sapFontSmallSize)' }}>
        {t(`s4.help.${key}`)}
      </Text>
    </FlexBox>
  );
  return (
    <Dialog
      open
      headerText={t('s4.editTitle')}
      data-testid="s4-dialog"
      onClose={() => onClose(false)}
      style={{ width: 'min(40rem, 95vw)' }}
      footer={
        <Bar
          endContent={
            <>
              <Button design="Emphasized" onClick={() => void save()} data-testid="s4-save">
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
        {error !== undefined && Object.keys(errors).length === 0 && <ErrorStrip error={error} />}
        <Label for="s4-kind-select" required>
          {t('s4.kind')}
        </Label>
        <Select
          id="s4-kind-select"
          data-testid="s4-kind-select"
          onChange={(e) => setKind(e.detail.selectedOption.dataset.value as S4Connection['kind'])}
        >
          {(['destination', 'url'] as const).map((k) => (
            <Option key={k} data-value={k} selected={kind === k}>
              {t(`s4.kind.${k}`)}
            </Option>
          ))}
        </Select>
        {kind === 'destination' ? (
          field('destinationName')
        ) : (
          <>
            {field('url', 'URL')}
            {field('username')}
            {field('password', 'Password')}
            {field('sapClient')}
          </>
        )}
      </FlexBox>
    </Dialog>
  );
}
