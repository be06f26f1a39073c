/**
 * ews-javascript-api writes element text and attribute values into its SOAP request verbatim
 * (EwsServiceXmlWriter.WriteValue / WriteAttributeString concatenate strings, "todo: validate
 * invalid characters"), so a subject like "R&D <Q1>" would produce malformed XML — or, with
 * crafted data from S/4, inject SOAP elements. Every string we hand to the library goes through
 * this first; its XML parser decodes the entities again on the way back.
 */
export function escapeXml(value: string): string {
  return (
    value
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
      // Characters XML 1.0 cannot carry at all (control characters other than tab, LF, CR).
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
  );
}
