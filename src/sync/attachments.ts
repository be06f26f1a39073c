import type { AttachmentInfo } from './model/exchange-items.js';
import type { AppointmentSettings } from './settings.js';

export type AttachmentSkipReason = 'attachments.off' | 'attachment.tooLarge' | 'attachment.blockedType';

export interface AttachmentSelection {
  sync: AttachmentInfo[];
  skipped: { attachment: AttachmentInfo; reason: AttachmentSkipReason }[];
}

/**
 * Files that carry executable code are never copied between systems: mail gateways strip them and
 * S/4's attachment MIME-type checks refuse them, so a copy would only fail later or spread malware.
 */
const BLOCKED_EXTENSIONS = new Set([
  'exe',
  'com',
  'bat',
  'cmd',
  'msi',
  'msp',
  'scr',
  'pif',
  'cpl',
  'js',
  'jse',
  'vbs',
  'vbe',
  'wsf',
  'wsh',
  'ps1',
  'hta',
  'jar',
  'lnk',
  'reg',
]);

/** Which attachments to copy under the tenant's attachment settings (off, or on with a size limit in KiB); blocked types never. */
export function selectAttachments(
  attachments: readonly AttachmentInfo[],
  s: AppointmentSettings['attachments'],
): AttachmentSelection {
  const out: AttachmentSelection = { sync: [], skipped: [] };
  for (const a of attachments) {
    const extension = a.name.includes('.') ? a.name.split('.').pop()!.toLowerCase() : '';
    if (!s.enabled) out.skipped.push({ attachment: a, reason: 'attachments.off' });
    else if (BLOCKED_EXTENSIONS.has(extension)) out.skipped.push({ attachment: a, reason: 'attachment.blockedType' });
    else if (a.size > s.maxSizeKb * 1024) out.skipped.push({ attachment: a, reason: 'attachment.tooLarge' });
    else out.sync.push(a);
  }
  return out;
}
