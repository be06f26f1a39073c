import { describe, expect, it } from 'vitest';
import { selectAttachments } from '../../../src/sync/attachments.js';
import { canonicalHash, stableJson } from '../../../src/sync/canonical/hash.js';
import {
  htmlToText,
  normalizeBody,
  normalizeInstant,
  normalizeLine,
  normalizeSet,
} from '../../../src/sync/canonical/normalize.js';

describe('normalisation', () => {
  it('HTML bodies become the same text as the plain body Tandem wrote', () => {
    const html =
      '<html><head><style>p{}</style></head><body><div>Discuss&nbsp;the  offer</div><p>Bring&#160;samples &amp; price list</p><br></body></html>';
    expect(normalizeBody(html, 'html')).toBe('Discuss the offer\nBring samples & price list');
    expect(normalizeBody('  Discuss the offer \r\n\r\n Bring samples & price list\n', 'text')).toBe(
      'Discuss the offer\nBring samples & price list',
    );
  });

  it('decodes numeric entities and leaves unknown ones', () => {
    expect(htmlToText('&#x41;&#66;&unknown;')).toBe('AB&unknown;');
  });

  it('times are truncated to the minute in one ISO form', () => {
    expect(normalizeInstant('2026-03-10T09:00:42.123Z')).toBe('2026-03-10T09:00:00.000Z');
    expect(normalizeInstant('2026-03-10T10:00:00+01:00')).toBe('2026-03-10T09:00:00.000Z');
    expect(() => normalizeInstant('tomorrow')).toThrow(RangeError);
  });

  it('sets are case-folded, trimmed, de-duplicated and sorted', () => {
    expect(normalizeSet([' Bob@Demo.example', 'alice@demo.example', 'BOB@demo.example', '', undefined])).toEqual([
      'alice@demo.example',
      'bob@demo.example',
    ]);
    expect(normalizeLine('  a \t b\n')).toBe('a b');
  });
});

describe('canonical hash', () => {
  it('does not depend on key order and ignores undefined members', () => {
    expect(stableJson({ b: 1, a: { d: [1, 2], c: undefined } })).toBe('{"a":{"d":[1,2]},"b":1}');
    expect(canonicalHash({ a: 1, b: 'x' })).toBe(canonicalHash({ b: 'x', a: 1, c: undefined }));
    expect(canonicalHash({ a: 1 })).not.toBe(canonicalHash({ a: 2 }));
    expect(canonicalHash({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('attachments', () => {
  it('off skips all; on keeps those within the size limit', () => {
    const a = [
      { id: '1', name: 'a.pdf', contentType: 'application/pdf', size: 1024 },
      { id: '2', name: 'b.zip', contentType: 'application/zip', size: 2 * 1024 * 1024 + 1 },
    ];
    expect(selectAttachments(a, { enabled: false, maxSizeKb: 2048 }).skipped.map((x) => x.reason)).toEqual([
      'attachments.off',
      'attachments.off',
    ]);
    const on = selectAttachments(a, { enabled: true, maxSizeKb: 2048 });
    expect(on.sync.map((x) => x.id)).toEqual(['1']);
    expect(on.skipped).toEqual([{ attachment: a[1], reason: 'attachment.tooLarge' }]);
  });

  it('never copies executable types, whatever their size', () => {
    const a = [
      { id: '1', name: 'setup.EXE', contentType: 'application/octet-stream', size: 10 },
      { id: '2', name: 'notes', contentType: 'text/plain', size: 10 },
    ];
    const on = selectAttachments(a, { enabled: true, maxSizeKb: 2048 });
    expect(on.sync.map((x) => x.id)).toEqual(['2']);
    expect(on.skipped).toEqual([{ attachment: a[0], reason: 'attachment.blockedType' }]);
  });
});
