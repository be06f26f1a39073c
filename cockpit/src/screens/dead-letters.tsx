import { useState } from 'react';
import {
  Button,
  MessageStrip,
  Table,
  TableCell,
  TableHeaderCell,
  TableHeaderRow,
  TableRow,
  Text,
} from '@ui5/webcomponents-react';
import '@ui5/webcomponents-icons/dist/redo.js';
import { api, errorText, type DeadLetter, type Page } from '../api.js';
import { useApp } from '../app-context.js';
import { Busy, ErrorStrip, ScreenTitle, formatTime, useLoad } from '../components/common.js';
import { useI18n } from '../i18n.js';

/** Events that failed for good; Retry puts one back into the queue with fresh attempts. */
export function DeadLettersScreen() {
  const { t, language } = useI18n();
  const { canEdit } = useApp();
  const list = useLoad(() => api<Page<DeadLetter>>('GET', '/dead-letters', { query: { limit: 200 } }), []);
  const [error, setError] = useState<unknown>();
  const [retried, setRetried] = useState<number>();
  const retry = async (letter: DeadLetter) => {
    setError(undefined);
    try {
      await api('POST', `/dead-letters/${letter.id}/retry`);
      setRetried(letter.id);
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
        {t('nav.dead-letters')}
      </ScreenTitle>
      <ErrorStrip error={list.error ?? error} />
      {retried !== undefined && (
        <MessageStrip
          design="Positive"
          data-testid="dead-letter-retried"
          onClose={() => setRetried(undefined)}
          style={{ marginBottom: '0.5rem' }}
        >
          {t('deadLetters.retried', { id: retried })}
        </MessageStrip>
      )}
      <Busy active={list.loading}>
        <Table
          data-testid="dead-letters-table"
          overflowMode="Popin"
          noDataText={t('deadLetters.none')}
          headerRow={
            <TableHeaderRow sticky>
              <TableHeaderCell minWidth="10rem">{t('deadLetters.received')}</TableHeaderCell>
              <TableHeaderCell minWidth="6rem">{t('deadLetters.source')}</TableHeaderCell>
              <TableHeaderCell minWidth="12rem" popinText={t('deadLetters.event')}>
                {t('deadLetters.event')}
              </TableHeaderCell>
              <TableHeaderCell minWidth="5rem" popinText={t('deadLetters.attempts')}>
                {t('deadLetters.attempts')}
              </TableHeaderCell>
              <TableHeaderCell minWidth="14rem" popinText={t('deadLetters.lastError')}>
                {t('deadLetters.lastError')}
              </TableHeaderCell>
              <TableHeaderCell minWidth="6rem">{t('users.actions')}</TableHeaderCell>
            </TableHeaderRow>
          }
        >
          {list.data?.items.map((letter) => (
            <TableRow key={letter.id} rowKey={String(letter.id)} data-testid={`dead-letter-${letter.eventId}`}>
              <TableCell>
                <Text>{formatTime(language, letter.receivedAt)}</Text>
              </TableCell>
              <TableCell>
                <Text>{t(`source.${letter.source}`)}</Text>
              </TableCell>
              <TableCell>
                <Text>
                  {`${letter.type} · ${letter.subject}`}
                  <br />
                  {`${t('journal.correlationId')}: ${letter.correlationId}`}
                </Text>
              </TableCell>
              <TableCell>
                <Text>{letter.attempts}</Text>
              </TableCell>
              <TableCell>
                <Text style={{ color: 'var(--sapNegativeTextColor)' }}>{errorText(letter.lastError)}</Text>
              </TableCell>
              <TableCell>
                {canEdit && (
                  <Button icon="redo" onClick={() => void retry(letter)} data-testid="dead-letter-retry">
                    {t('deadLetters.retry')}
                  </Button>
                )}
              </TableCell>
            </TableRow>
          ))}
        </Table>
      </Busy>
    </>
  );
}
