import { isTandemError, TandemError } from '../../errors/tandem-error.js';

/**
 * Runs an update of an Exchange item. An item that is gone — deleted in Outlook after Tandem read
 * it — is reported as EXCHANGE_CONFLICT, like a stale change key (MailboxConnector's conventions):
 * the engine reads both sides again and sees the delete. As EXCHANGE_ITEM_NOT_FOUND, which is not
 * retryable, the event would become a dead letter.
 */
export async function updateOfReadItem<T>(itemId: string, update: () => Promise<T>): Promise<T> {
  try {
    return await update();
  } catch (error) {
    if (!isTandemError(error, 'EXCHANGE_ITEM_NOT_FOUND')) throw error;
    throw new TandemError('EXCHANGE_CONFLICT', `Exchange item ${itemId} was deleted while Tandem updated it`, {
      cause: error,
    });
  }
}
