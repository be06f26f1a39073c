import type { Translate } from '../i18n.js';

/**
 * A journal reason code in words. Codes are hierarchical (`leftScope.filtered.category`,
 * `conflict.merge`, `safetyValve.mailbox`): the most specific translation wins, then the nearest
 * prefix with the rest as detail, then the code itself — support can still read it.
 */
export function reasonText(t: Translate, code: string): string {
  const exact = t(`reason.${code}`);
  if (exact !== `reason.${code}`) return exact;
  const parts = code.split('.');
  for (let i = parts.length - 1; i > 0; i--) {
    const prefix = parts.slice(0, i).join('.');
    const text = t(`reason.${prefix}.*`, { detail: parts.slice(i).join('.') });
    if (text !== `reason.${prefix}.*`) return text;
  }
  return code;
}
