import { describe, expect, it } from 'vitest';
import { NS, parseXml, serialize, XmlRejected } from '../../../src/emulators/ews/xml.js';
import { extendedKey } from '../../../src/emulators/ews/item-model.js';

describe('namespace-aware XML parsing', () => {
  it('resolves prefixes and default namespaces to URIs', () => {
    const doc = parseXml(
      `<a:Envelope xmlns:a="${NS.soap}"><a:Body><Op xmlns="${NS.messages}" xmlns:x="${NS.types}"><x:Thing Id="1">t &amp; u</x:Thing><Plain/></Op></a:Body></a:Envelope>`,
    );
    expect(doc.ns).toBe(NS.soap);
    const op = doc.children[0]!.children[0]!;
    expect([op.ns, op.name]).toEqual([NS.messages, 'Op']);
    expect([op.children[0]!.ns, op.children[0]!.name, op.children[0]!.attrs.Id, op.children[0]!.text]).toEqual([
      NS.types,
      'Thing',
      '1',
      't & u',
    ]);
    expect(op.children[1]!.ns).toBe(NS.messages);
    expect(serialize(op.children[0]!)).toBe('<t:Thing Id="1">t &amp; u</t:Thing>');
  });

  it('refuses DTDs and entity declarations before parsing, and malformed documents', () => {
    expect(() => parseXml('<!DOCTYPE x><x/>')).toThrow(XmlRejected);
    expect(() => parseXml('<x><!ENTITY e "x"></x>')).toThrow(/DTD/);
    expect(() => parseXml('<x><y></x>')).toThrow(/Malformed/);
  });

  it('decodes character references and CDATA, and skips comments and the XML declaration (XML 1.0 §4.1, §2.7)', () => {
    const doc = parseXml(
      `<?xml version="1.0" encoding="utf-8"?>\n<!-- before --><t:Subject xmlns:t="${NS.types}" Note='a &quot;b&quot; &#38; &#x263A;'>M&#252;ller &lt;<![CDATA[<raw> & ]]><!-- inside -->&#x1F600;</t:Subject>`,
    );
    expect(doc.attrs.Note).toBe('a "b" & \u263A');
    expect(doc.text).toBe('Müller <<raw> & \u{1F600}');
  });

  it('refuses what XML 1.0 calls not well-formed', () => {
    for (const bad of [
      '<x></x><y/>',
      '<x/>text',
      'text<x/>',
      '<x a="<"/>',
      '<x a=1/>',
      '<x a="1" a="2"/>',
      '<x a="1"b="2"/>',
      '<x>&nbsp;</x>',
      '<x>a & b</x>',
      '<x>&#0;</x>',
      '<x><y></x>',
      '<x>',
      '</x>',
      '<1x/>',
    ]) {
      expect(() => parseXml(bad), bad).toThrow(/Malformed XML/);
    }
  });

  it('keys named properties by property set GUID, whichever way the set is named', () => {
    const byName = parseXml(
      `<t:ExtendedFieldURI xmlns:t="${NS.types}" DistinguishedPropertySetId="PublicStrings" PropertyName="Stamp" PropertyType="String"/>`,
    );
    const byGuid = parseXml(
      `<t:ExtendedFieldURI xmlns:t="${NS.types}" PropertySetId="00020329-0000-0000-C000-000000000046" PropertyName="Stamp" PropertyType="String"/>`,
    );
    const other = parseXml(
      `<t:ExtendedFieldURI xmlns:t="${NS.types}" DistinguishedPropertySetId="Common" PropertyName="Stamp" PropertyType="String"/>`,
    );
    expect(extendedKey(byName)).toBe(extendedKey(byGuid));
    expect(extendedKey(other)).not.toBe(extendedKey(byName));
  });
});
