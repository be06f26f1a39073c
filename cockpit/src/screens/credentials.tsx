import { useState } from 'react';
import {
  Bar,
  Button,
  Dialog,
  FlexBox,
  Input,
  Label,
  MessageStrip,
  ObjectStatus,
  Table,
  TableCell,
  TableHeaderCell,
  TableHeaderRow,
  TableRow,
  Text,
} from '@ui5/webcomponents-react';
import '@ui5/webcomponents-icons/dist/copy.js';
import '@ui5/webcomponents-icons/dist/synchronize.js';
import '@ui5/webcomponents-icons/dist/cancel.js';
import { api, type Credential, type IssuedCredential } from '../api.js';
import { useApp } from '../app-context.js';
import { Busy, ErrorStrip, ScreenTitle, formatTime, useLoad } from '../components/common.js';
import { useI18n } from '../i18n.js';

/**
 * The HTTP basic credentials S/4's SM59 destination uses for POST /s4/events. Tandem stores only a
 * hash, so the password is shown once. Rotation = issue a new one, enter it in SM59, revoke the
 * old one; two may be active at a time so S/4 never sends with a dead password.
 */
export function CredentialsScreen() {
  const { t, language } = useI18n();
  const { canEdit } = useApp();
  const list = useLoad(() => api<{ items: Credential[] }>('GET', '/callback-credentials'), []);
  const [issued, setIssued] = useState<IssuedCredential>();
  const [error, setError] = useState<unknown>();
  const act = async (fn: () => Promise<void>) => {
    setError(undefined);
    try {
      await fn();
    } catch (e) {
      setError(e);
    }
    await list.reload();
  };
  const create = () => act(async () => setIssued(await api<IssuedCredential>('POST', '/callback-credentials')));
  const revoke = (credential: Credential) =>
    act(async () => {
      await api('DELETE', `/callback-credentials/${credential.id}`);
    });
  const rotate = (credential: Credential) =>
    act(async () => {
      const fresh = await api<IssuedCredential>('POST', '/callback-credentials');
      setIssued(fresh);
      await api('DELETE', `/callback-credentials/${credential.id}`);
    });
  // Two may be active at a time: rotating creates the second before revoking the first.
  const full = (list.data?.items.filter((c) => !c.revokedAt).length ?? 0) >= 2;
  return (
    <>
      <ScreenTitle
        actions={
          canEdit && (
            <Button
              icon="add"
              disabled={full}
              tooltip={full ? t('credentials.limit') : undefined}
              onClick={() => void create()}
              data-testid="credential-create"
            >
              {t('credentials.create')}
            </Button>
          )
        }
      >
        {t('nav.credentials')}
      </ScreenTitle>
      <MessageStrip design="Information" hideCloseButton style={{ marginBottom: '0.5rem' }}>
        {t('credentials.explain')}
      </MessageStrip>
      {full && canEdit && (
        <MessageStrip
          design="Information"
          hideCloseButton
          data-testid="credentials-limit"
          style={{ marginBottom: '0.5rem' }}
        >
          {t('credentials.limit')}
        </MessageStrip>
      )}
      <ErrorStrip error={list.error ?? error} />
      <Busy active={list.loading}>
        <Table
          data-testid="credentials-table"
          overflowMode="Popin"
          noDataText={t('credentials.none')}
          headerRow={
            <TableHeaderRow sticky>
              <TableHeaderCell minWidth="12rem">{t('credentials.username')}</TableHeaderCell>
              <TableHeaderCell minWidth="10rem">{t('credentials.created')}</TableHeaderCell>
              <TableHeaderCell minWidth="8rem" popinText={t('credentials.createdBy')}>
                {t('credentials.createdBy')}
              </TableHeaderCell>
              <TableHeaderCell minWidth="8rem">{t('credentials.state')}</TableHeaderCell>
              <TableHeaderCell minWidth="14rem">{t('users.actions')}</TableHeaderCell>
            </TableHeaderRow>
          }
        >
          {list.data?.items.map((credential) => (
            <TableRow key={credential.id} rowKey={credential.id} data-testid={`credential-${credential.username}`}>
              <TableCell>
                <Text>{credential.username}</Text>
              </TableCell>
              <TableCell>
                <Text>{formatTime(language, credential.createdAt)}</Text>
              </TableCell>
              <TableCell>
                <Text>{credential.createdBy ?? ''}</Text>
              </TableCell>
              <TableCell>
                {credential.revokedAt ? (
                  <ObjectStatus state="None">
                    {t('credentials.revokedAt', { time: formatTime(language, credential.revokedAt) })}
                  </ObjectStatus>
                ) : (
                  <ObjectStatus state="Positive">{t('credentials.active')}</ObjectStatus>
                )}
              </TableCell>
              <TableCell>
                {canEdit && !credential.revokedAt && (
                  <FlexBox style={{ gap: '0.25rem' }}>
                    <Button
                      icon="synchronize"
                      disabled={full}
                      tooltip={full ? t('credentials.limit') : undefined}
                      onClick={() => void rotate(credential)}
                      data-testid="credential-rotate"
                    >
                      {t('credentials.rotate')}
                    </Button>
                    <Button
                      icon="cancel"
                      design="Transparent"
                      onClick={() => void revoke(credential)}
                      data-testid="credential-revoke"
                    >
                      {t('credentials.revoke')}
                    </Button>
                  </FlexBox>
                )}
              </TableCell>
            </TableRow>
          ))}
        </Table>
      </Busy>
      {issued && <IssuedDialog credential={issued} onClose={() => setIssued(undefined)} />}
    </>
  );
}

function CopyField({ id, label, value }: { id: string; label: string; value: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  return (
    <FlexBox direction="Column">
      <Label for={id}>{label}</Label>
      <FlexBox alignItems="Center" style={{ gap: '0.25rem' }}>
        <Input id={id} data-testid={id} readonly value={value} style={{ flex: '1 1 auto', fontFamily: 'monospace' }} />
        <Button
          icon="copy"
          tooltip={t('credentials.copy')}
          accessibleName={`${t('credentials.copy')}: ${label}`}
          data-testid={`${id}-copy`}
          onClick={() =>
            void navigator.clipboard?.writeText(value).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        />
      </FlexBox>
      {copied && <Text>{t('credentials.copied')}</Text>}
    </FlexBox>
  );
}

function IssuedDialog({ credential, onClose }: { credential: IssuedCredential; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <Dialog
      open
      headerText={t('credentials.issued')}
      data-testid="credential-issued-dialog"
      onClose={onClose}
      footer={
        <Bar
          endContent={
            <Button design="Emphasized" onClick={onClose} data-testid="credential-issued-close">
              {t('credentials.stored')}
            </Button>
          }
        />
      }
    >
      <FlexBox direction="Column" style={{ gap: '0.75rem', minWidth: 'min(28rem, 80vw)' }}>
        <MessageStrip design="Critical" hideCloseButton>
          {t('credentials.onceWarning')}
        </MessageStrip>
        <CopyField id="issued-username" label={t('credentials.username')} value={credential.username} />
        <CopyField id="issued-password" label={t('credentials.password')} value={credential.password} />
      </FlexBox>
    </Dialog>
  );
}
