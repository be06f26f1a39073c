/**
 * The multipart/mixed framing of OData v2 `$batch` (OData v2 spec, "Batch Processing"): a batch
 * holds query parts and changeset parts; each part is an `application/http` message, i.e. a raw
 * HTTP request (or response) with CRLF line ends. The emulator's own reading and writing of it:
 * it imports nothing from the service, so a framing bug in Tandem's connector cannot hide behind
 * the same bug here.
 */

export interface MimePart {
  headers: Record<string, string>;
  body: string;
}

export interface HttpMessage {
  /** 'GET /path HTTP/1.1' or 'HTTP/1.1 201 Created'. */
  startLine: string;
  headers: Record<string, string>;
  body: string;
}

/** The boundary parameter of a multipart content type, or undefined. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  return match?.[1] ?? match?.[2];
}

/** Splits a multipart body into its parts (preamble and epilogue dropped). */
export function parseMultipart(body: string, boundary: string): MimePart[] {
  const delimiter = `--${boundary}`;
  const pieces = body.split(delimiter);
  const parts: MimePart[] = [];
  // pieces[0] is the preamble; a piece starting with '--' is the close delimiter.
  for (const piece of pieces.slice(1)) {
    if (piece.startsWith('--')) break;
    const content = piece.replace(/^\r?\n/, '').replace(/\r?\n$/, '');
    const { headers, body: partBody } = splitHeaders(content);
    parts.push({ headers, body: partBody });
  }
  return parts;
}

/** Parses an application/http message: start line, headers, blank line, body. */
export function parseHttpMessage(text: string): HttpMessage {
  const normalised = text.replace(/^\r?\n+/, '');
  const lineEnd = normalised.search(/\r?\n/);
  const startLine = (lineEnd < 0 ? normalised : normalised.slice(0, lineEnd)).trim();
  const rest = lineEnd < 0 ? '' : normalised.slice(lineEnd).replace(/^\r?\n/, '');
  const { headers, body } = splitHeaders(rest);
  return { startLine, headers, body: body.replace(/\r?\n$/, '') };
}

function splitHeaders(content: string): { headers: Record<string, string>; body: string } {
  const separator = /\r?\n\r?\n/.exec(content);
  const head = separator ? content.slice(0, separator.index) : content;
  const body = separator ? content.slice(separator.index + separator[0].length) : '';
  const headers: Record<string, string> = {};
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

/** Serialises an application/http message with CRLF line ends. */
export function formatHttpMessage(message: HttpMessage): string {
  const headerLines = Object.entries(message.headers).map(([k, v]) => `${k}: ${v}`);
  return [message.startLine, ...headerLines, '', message.body].join('\r\n');
}

/** Serialises parts into a multipart body. */
export function formatMultipart(parts: MimePart[], boundary: string): string {
  const chunks = parts.map((part) => {
    const headerLines = Object.entries(part.headers).map(([k, v]) => `${k}: ${v}`);
    return [`--${boundary}`, ...headerLines, '', part.body].join('\r\n');
  });
  return `${chunks.join('\r\n')}\r\n--${boundary}--\r\n`;
}
