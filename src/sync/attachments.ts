import type { AttachmentInfo } from '../connectors/exchange/types.js';
import type { AppointmentSettings } from './settings.js';

export interface AttachmentSelection {
  sync: AttachmentInfo[];
  skipped: { attachment: AttachmentInfo; reason: 'attachments.off' | 'attachment.tooLarge' }[];
}

/** Which attachments to copy under the tenant's attachment settings (off, or on with a size limit in KiB). */
export function selectAttachments(attachments: readonly AttachmentInfo[], s: AppointmentSettings['attachments']): AttachmentSelection {
  const out: AttachmentSelection = { sync: [], skipped: [] };
  for (const a of attachments) {
    if (!s.enabled) out.skipped.push({ attachment: a, reason: 'attachments.off' });
    else if (a.size > s.maxSizeKb * 1024) out.skipped.push({ attachment: a, reason: 'attachment.tooLarge' });
    else out.sync.push(a);
  }
  return out;
}
