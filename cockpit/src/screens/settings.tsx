import { useEffect, useState, type ReactNode } from 'react';
import {
  Bar,
  BusyIndicator,
  Button,
  FlexBox,
  Input,
  Label,
  List,
  ListItemStandard,
  MessageStrip,
  Option,
  Panel,
  Select,
  Switch,
  Tab,
  TabContainer,
  Text,
  Title,
} from '@ui5/webcomponents-react';
import '@ui5/webcomponents-icons/dist/save.js';
import '@ui5/webcomponents-icons/dist/reset.js';
import type { z } from 'zod';
import { tenantSettingsSchema } from '../../../src/contract/tenant-settings.js';
import { api, type SettingsDocument } from '../api.js';
import { useApp } from '../app-context.js';
import { ErrorStrip, ScreenTitle, formatTime, useLoad } from '../components/common.js';
import { fieldErrors } from '../components/field-errors.js';
import { describeSchema, emptyValue, getAt, humanize, setAt, type Path } from '../components/schema-form.js';
import { useI18n } from '../i18n.js';

/** The settings groups (appointments, tasks, contacts, conflicts, safety), each a list of top-level keys of the schema. */
const GROUPS: Array<{ key: string; sections: string[] }> = [
  { key: 'appointments', sections: ['appointments'] },
  { key: 'tasks', sections: ['tasks'] },
  { key: 'contacts', sections: ['contacts'] },
  { key: 'general', sections: ['syncWindow'] },
  { key: 'conflicts', sections: ['conflicts'] },
  { key: 'safetyValve', sections: ['safetyValve'] },
];
const SHAPE = (describeSchema(tenantSettingsSchema).node as { shape: Record<string, z.ZodType> }).shape;
const pathKey = (path: Path) => path.join('.');
/** The translation key of a field: array indices and record keys left out. */
const labelKey = (path: Path) => path.filter((p) => typeof p === 'string').join('.');

interface FieldProps {
  schema: z.ZodType;
  path: Path;
  value: unknown;
  onChange: (path: Path, value: unknown) => void;
  errors: Record<string, string>;
  readOnly: boolean;
}

function useTexts() {
  const { t, language } = useI18n();
  return {
    label: (path: Path) => {
      const key = `settings.label.${labelKey(path)}`;
      const text = t(key);
      return text === key ? humanize(String(path.filter((p) => typeof p === 'string').at(-1))) : text;
    },
    // German texts live in de.json; English comes straight from the schema's .describe().
    help: (path: Path, description?: string) => {
      const key = `settings.help.${labelKey(path)}`;
      const text = language === 'en' ? description : t(key);
      return text === key ? description : text;
    },
  };
}

function FieldError({ errors, path }: { errors: Record<string, string>; path: Path }) {
  const message = errors[pathKey(path)];
  return message ? <div data-testid={`field-error-${pathKey(path)}`}>{message}</div> : null;
}

/** One leaf option: input by type, its one-line explanation, the API's message at the field. */
function Leaf({ schema, path, value, onChange, errors, readOnly }: FieldProps) {
  const { t } = useI18n();
  const { node, optional } = describeSchema(schema);
  const id = `settings-${pathKey(path)}`;
  const error = errors[pathKey(path)];
  const state = error
    ? { valueState: 'Negative' as const, valueStateMessage: <FieldError errors={errors} path={path} /> }
    : {};
  switch (node.kind) {
    case 'boolean':
      return (
        <Switch
          id={id}
          data-testid={id}
          checked={Boolean(value)}
          disabled={readOnly}
          onChange={(e) => onChange(path, e.target.checked)}
        />
      );
    case 'enum':
      return (
        <Select
          id={id}
          data-testid={id}
          disabled={readOnly}
          onChange={(e) => onChange(path, e.detail.selectedOption.dataset.value || undefined)}
          {...state}
        >
          {optional && (
            <Option data-value="" selected={value === undefined}>
              {'–'}
            </Option>
          )}
          {node.options.map((o) => (
            <Option key={o} data-value={o} selected={value === o}>
              {t(`settings.option.${o}`) === `settings.option.${o}` ? o : t(`settings.option.${o}`)}
            </Option>
          ))}
        </Select>
      );
    case 'number':
      return (
        <Input
          id={id}
          data-testid={id}
          type="Number"
          readonly={readOnly}
          value={value === undefined ? '' : String(value)}
          style={{ width: '10rem' }}
          onInput={(e) => {
            const raw = e.target.value;
            onChange(path, raw === '' ? undefined : Number.isNaN(Number(raw)) ? raw : Number(raw));
          }}
          {...state}
        />
      );
    default:
      return (
        <Input
          id={id}
          data-testid={id}
          readonly={readOnly}
          value={value === undefined ? '' : String(value)}
          style={{ width: '14rem' }}
          onInput={(e) => onChange(path, e.target.value === '' && optional ? undefined : e.target.value)}
          {...state}
        />
      );
  }
}

function Row({ label, help, children, id }: { label: string; help?: string; children: ReactNode; id: string }) {
  return (
    <FlexBox
      wrap="Wrap"
      alignItems="Start"
      style={{ gap: '0.25rem 1rem', padding: '0.4rem 0', borderBottom: '1px solid var(--sapList_BorderColor)' }}
    >
      <FlexBox direction="Column" style={{ flex: '1 1 16rem', minWidth: '12rem' }}>
        <Label for={id} showColon wrappingType="Normal">
          {label}
        </Label>
        {help && (
          <Text style={{ color: 'var(--sapContent_LabelColor)', fontSize: 'var(--sapFontSmallSize)' }}>{help}</Text>
        )}
      </FlexBox>
      <div style={{ flex: '1 1 16rem' }}>{children}</div>
    </FlexBox>
  );
}

/** Any node of the schema: objects become panels, arrays and records editable rows, leaves inputs. */
function Field(props: FieldProps) {
  const { t } = useI18n();
  const texts = useTexts();
  const { schema, path, value, onChange, errors, readOnly } = props;
  const { node, description } = describeSchema(schema);
  const id = `settings-${pathKey(path)}`;
  const help = texts.help(path, description);
  if (node.kind === 'object') {
    return (
      <Panel
        headerText={texts.label(path)}
        data-testid={`settings-group-${pathKey(path)}`}
        fixed={path.length === 1}
        style={{ marginBottom: '0.5rem' }}
      >
        {path.length > 1 && help && <Text style={{ display: 'block', marginBottom: '0.25rem' }}>{help}</Text>}
        {Object.entries(node.shape).map(([key, child]) => (
          <Field key={key} {...props} schema={child} path={[...path, key]} value={getAt(value, [key])} />
        ))}
      </Panel>
    );
  }
  if (node.kind === 'array') {
    const items = Array.isArray(value) ? value : [];
    const element = describeSchema(node.element).node;
    return (
      <Row label={texts.label(path)} help={help} id={id}>
        <FlexBox direction="Column" style={{ gap: '0.25rem' }} data-testid={id}>
          {items.map((item, index) => (
            <FlexBox
              key={index}
              alignItems="Start"
              wrap="Wrap"
              style={{ gap: '0.5rem' }}
              data-testid={`${id}.${index}`}
            >
              {element.kind === 'object' ? (
                Object.entries(element.shape).map(([key, child]) => (
                  <FlexBox key={key} direction="Column">
                    <Label for={`settings-${pathKey([...path, index, key])}`}>{texts.label([...path, key])}</Label>
                    <Leaf {...props} schema={child} path={[...path, index, key]} value={getAt(item, [key])} />
                  </FlexBox>
                ))
              ) : (
                <Leaf {...props} schema={node.element} path={[...path, index]} value={item} />
              )}
              {!readOnly && (
                <Button
                  icon="delete"
                  design="Transparent"
                  accessibleName={t('settings.removeRow')}
                  tooltip={t('settings.removeRow')}
                  onClick={() =>
                    onChange(
                      path,
                      items.filter((_, i) => i !== index),
                    )
                  }
                />
              )}
            </FlexBox>
          ))}
          {!readOnly && (
            <Button
              icon="add"
              design="Transparent"
              data-testid={`${id}-add`}
              onClick={() => onChange(path, [...items, emptyValue(node.element)])}
            >
              {t('settings.addRow')}
            </Button>
          )}
        </FlexBox>
      </Row>
    );
  }
  if (node.kind === 'record') {
    const entries = Object.entries((value ?? {}) as Record<string, unknown>);
    const write = (next: Array<[string, unknown]>) => onChange(path, Object.fromEntries(next));
    return (
      <Row label={texts.label(path)} help={help} id={id}>
        <FlexBox direction="Column" style={{ gap: '0.25rem' }} data-testid={id}>
          {entries.map(([key, item], index) => (
            <FlexBox key={index} alignItems="Center" style={{ gap: '0.5rem' }}>
              <Input
                value={key}
                readonly={readOnly}
                style={{ width: '6rem' }}
                accessibleName={`${texts.label(path)} ${t('settings.key')}`}
                {...(errors[pathKey([...path, key])]
                  ? {
                      valueState: 'Negative' as const,
                      valueStateMessage: <FieldError errors={errors} path={[...path, key]} />,
                    }
                  : {})}
                onChange={(e) => write(entries.map((entry, i) => (i === index ? [e.target.value, entry[1]] : entry)))}
              />
              <Text>→</Text>
              <Leaf
                {...props}
                schema={node.value}
                path={[...path, key]}
                value={item}
                onChange={(_p, v) => write(entries.map((entry, i) => (i === index ? [entry[0], v] : entry)))}
              />
              {!readOnly && (
                <Button
                  icon="delete"
                  design="Transparent"
                  accessibleName={t('settings.removeRow')}
                  onClick={() => write(entries.filter((_, i) => i !== index))}
                />
              )}
            </FlexBox>
          ))}
          {!readOnly && (
            <Button icon="add" design="Transparent" onClick={() => write([...entries, ['', emptyValue(node.value)]])}>
              {t('settings.addRow')}
            </Button>
          )}
        </FlexBox>
      </Row>
    );
  }
  return (
    <Row label={texts.label(path)} help={help} id={id}>
      <Leaf {...props} />
    </Row>
  );
}

function History({ doc }: { doc: SettingsDocument }) {
  const { t, language } = useI18n();
  const history = doc.history ?? [];
  return (
    <Panel headerText={t('settings.history')} collapsed={false} data-testid="settings-history">
      <List accessibleName={t('settings.history')} noDataText={t('settings.noHistory')}>
        {history.map((entry, i) => {
          const changes = Array.isArray(entry.changes)
            ? (entry.changes as Array<Record<string, unknown>>)
                .map((c) =>
                  typeof c === 'string'
                    ? c
                    : `${String(c.path ?? '')}: ${JSON.stringify(c.from ?? c.before ?? null)} → ${JSON.stringify(c.to ?? c.after ?? null)}`,
                )
                .join('; ')
            : '';
          return (
            <ListItemStandard
              key={i}
              data-testid={`settings-history-${String(entry.version ?? i)}`}
              wrappingType="Normal"
              text={t('settings.historyEntry', {
                version: String(entry.version ?? '?'),
                user: String(entry.changedBy ?? '–'),
                time: formatTime(language, (entry.changedAt as string | undefined) ?? null),
              })}
              description={changes || undefined}
            />
          );
        })}
      </List>
    </Panel>
  );
}

/**
 * Tenant settings as one form generated from the schema, grouped as in GROUPS. Saving sends
 * the whole document; the API's field errors appear at their fields (and the first group with an
 * error is opened).
 */
export function SettingsScreen() {
  const { t, language } = useI18n();
  const { canEdit } = useApp();
  const doc = useLoad(() => api<SettingsDocument>('GET', '/settings'), []);
  const [draft, setDraft] = useState<Record<string, unknown>>();
  const [group, setGroup] = useState('appointments');
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState<number>();
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    if (doc.data) setDraft(doc.data.settings);
  }, [doc.data]);
  const errors = fieldErrors(error);
  const errorGroups = new Set(
    Object.keys(errors).map((path) => GROUPS.find((g) => g.sections.includes(path.split('.')[0]!))?.key),
  );

  const save = async () => {
    setSaving(true);
    setError(undefined);
    setSaved(undefined);
    try {
      // expectedVersion: the API refuses (409) when another admin saved since this form was loaded.
      const result = await api<Partial<SettingsDocument>>('PUT', '/settings', {
        body: draft,
        query: { expectedVersion: doc.data?.version },
      });
      await doc.reload();
      setSaved(result?.version ?? undefined);
    } catch (e) {
      setError(e);
      const first = Object.keys(fieldErrors(e))[0];
      const target = first && GROUPS.find((g) => g.sections.includes(first.split('.')[0]!));
      if (target) setGroup(target.key);
    } finally {
      setSaving(false);
    }
  };
  const dirty = Boolean(doc.data && draft && JSON.stringify(draft) !== JSON.stringify(doc.data.settings));
  return (
    <>
      <ScreenTitle
        actions={
          canEdit && (
            <>
              <Button
                icon="save"
                design="Emphasized"
                disabled={!dirty || saving}
                onClick={() => void save()}
                data-testid="settings-save"
              >
                {t('common.save')}
              </Button>
              <Button
                icon="reset"
                design="Transparent"
                disabled={!dirty}
                onClick={() => {
                  setDraft(doc.data?.settings);
                  setError(undefined);
                }}
                data-testid="settings-reset"
              >
                {t('settings.discard')}
              </Button>
            </>
          )
        }
      >
        {t('nav.settings')}
      </ScreenTitle>
      {doc.data && (
        <Text data-testid="settings-version" style={{ display: 'block', marginBottom: '0.5rem' }}>
          {t('settings.version', {
            version: doc.data.version,
            user: doc.data.changedBy ?? '–',
            time: formatTime(language, doc.data.changedAt),
          })}
        </Text>
      )}
      <ErrorStrip error={doc.error ?? (error && Object.keys(errors).length === 0 ? error : undefined)} />
      {Object.keys(errors).length > 0 && (
        <MessageStrip
          design="Negative"
          data-testid="settings-errors"
          hideCloseButton
          style={{ marginBottom: '0.5rem' }}
        >
          {t('settings.invalid', { count: Object.keys(errors).length })}{' '}
          {Object.entries(errors)
            .map(([p, m]) => `${p}: ${m}`)
            .join(' · ')}
        </MessageStrip>
      )}
      {saved !== undefined && (
        <MessageStrip
          design="Positive"
          data-testid="settings-saved"
          onClose={() => setSaved(undefined)}
          style={{ marginBottom: '0.5rem' }}
        >
          {t('settings.saved', { version: saved })}
        </MessageStrip>
      )}
      {doc.loading && !draft && <BusyIndicator active delay={300} style={{ width: '100%' }} />}
      {draft && (
        <>
          <TabContainer
            data-testid="settings-tabs"
            style={{ width: '100%' }}
            onTabSelect={(e) => setGroup((e.detail.tab as HTMLElement).dataset.key ?? 'appointments')}
          >
            {GROUPS.map((g) => (
              <Tab
                key={g.key}
                data-key={g.key}
                data-testid={`settings-tab-${g.key}`}
                text={t(`settings.group.${g.key}`)}
                selected={group === g.key}
                design={errorGroups.has(g.key) ? 'Negative' : 'Default'}
              >
                {g.sections.map((section) => (
                  <Field
                    key={section}
                    schema={SHAPE[section]!}
                    path={[section]}
                    value={draft[section]}
                    errors={errors}
                    readOnly={!canEdit}
                    onChange={(path, value) => setDraft((d) => setAt(d, path, value) as Record<string, unknown>)}
                  />
                ))}
              </Tab>
            ))}
          </TabContainer>
          {doc.data && <History doc={doc.data} />}
        </>
      )}
      {canEdit && dirty && (
        <Bar
          design="FloatingFooter"
          style={{ position: 'sticky', bottom: '0.5rem' }}
          endContent={
            <Button design="Emphasized" onClick={() => void save()} disabled={saving}>
              {t('common.save')}
            </Button>
          }
        >
          <Title level="H6">{t('settings.unsaved')}</Title>
        </Bar>
      )}
    </>
  );
}
