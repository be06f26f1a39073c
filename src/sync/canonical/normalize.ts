/**
 * Normalisation so that harmless rewrites do not look like edits (the canonical form both sides are compared in):
 * Exchange turns text bodies into HTML, drops seconds, reorders categories and attendees and
 * trims whitespace. Every canonical field goes through one of these before it is compared.
 */

/** Trimmed, inner runs of whitespace collapsed to one space. */
export function normalizeLine(s: string | undefined | null): string {
  return (s ?? '').replace(/\s+/g, ' ').trim();
}

/** Optional text: empty after normalising becomes undefined (absence and "" are the same edit). */
export function normalizeOptional(s: string | undefined | null): string | undefined {
  const n = normalizeLine(s);
  return n === '' ? undefined : n;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** HTML → plain text: block ends become line breaks, tags go, entities are decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|head)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h[1-6]|table|ul|ol)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] === '#') {
        const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
      }
      return ENTITIES[e.toLowerCase()] ?? m;
    });
}

/**
 * Body text: each line trimmed with inner whitespace collapsed, blank lines dropped. Exchange's
 * text ↔ HTML round trip adds and removes blank lines and non-breaking spaces; dropping them makes
 * the comparison stable at the cost of blank lines in bodies Tandem writes.
 */
export function normalizeBody(content: string | undefined, type: 'text' | 'html' = 'text'): string {
  const text = type === 'html' ? htmlToText(content ?? '') : (content ?? '');
  return text
    .replace(/\u00a0/g, ' ')
    .split(/\r\n|\r|\n/)
    .map(normalizeLine)
    .filter((l) => l !== '')
    .join('\n');
}

/** UTC instant truncated to the minute, in the fixed form "YYYY-MM-DDTHH:MM:00.000Z". */
export function normalizeInstant(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO instant: ${iso}`);
  return new Date(Math.floor(ms / 60_000) * 60_000).toISOString();
}

/** Case-folded, trimmed, de-duplicated and sorted: order and case are never edits. */
export function normalizeSet(values: Iterable<string | undefined>): string[] {
  const out = new Set<string>();
  for (const v of values) {
    const n = normalizeLine(v).toLowerCase();
    if (n !== '') out.add(n);
  }
  return [...out].sort();
}

/** Trimmed, de-duplicated, order kept (phone numbers: the first one is the primary). */
export function normalizeList(values: Iterable<string | undefined>): string[] {
  const out: string[] = [];
  for (const v of values) {
    const n = normalizeLine(v);
    if (n !== '' && !out.includes(n)) out.push(n);
  }
  return out;
}
