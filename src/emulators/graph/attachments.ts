import { randomBytes } from 'node:crypto';
import { applySelect, badRequest, GraphError, notFound, type Ctx, type EmuResponse } from './odata.js';
import { newId, type Entry, type Json, type StoredAttachment } from './store.js';

/**
 * File attachments on events (fileAttachment) and To Do tasks (taskFileAttachment). Graph takes
 * attachments up to 3 MB inline (POST with contentBytes) and 3–150 MB through an upload session
 * with ranged PUTs (learn.microsoft.com/graph/outlook-large-attachments).
 */
export const INLINE_LIMIT = 3 * 1024 * 1024;
export const UPLOAD_LIMIT = 150 * 1024 * 1024;

export interface AttachmentTarget {
  entry: Entry;
  odataType: '#microsoft.graph.fileAttachment' | '#microsoft.graph.taskFileAttachment';
  /** Records the change on the parent item (new changeKey, delta, notification). */
  changed: () => void;
}

interface UploadSession {
  origin: string;
  target: AttachmentTarget;
  name: string;
  contentType: string;
  size: number;
  chunks: Buffer[];
  received: number;
  expires: number;
}

export class Attachments {
  private readonly sessions = new Map<string, UploadSession>();

  json(ctx: Ctx | undefined, target: AttachmentTarget, a: StoredAttachment, withContent: boolean): Json {
    const json: Json = {
      '@odata.type': target.odataType,
      id: a.id,
      lastModifiedDateTime: a.lastModifiedDateTime,
      name: a.name,
      contentType: a.contentType,
      size: a.size,
      isInline: a.isInline,
      ...(withContent ? { contentBytes: a.contentBytes } : {}),
    };
    return ctx ? applySelect(json, ctx.req.query.get('$select')) : json;
  }

  list(ctx: Ctx, target: AttachmentTarget): EmuResponse {
    return { status: 200, body: { value: target.entry.attachments.map((a) => this.json(ctx, target, a, true)) } };
  }

  get(ctx: Ctx, target: AttachmentTarget, id: string, raw: boolean): EmuResponse {
    const a = target.entry.attachments.find((x) => x.id === id);
    if (!a) throw notFound('The attachment was not found.');
    if (raw)
      return { status: 200, headers: { 'content-type': a.contentType }, body: Buffer.from(a.contentBytes, 'base64') };
    return { status: 200, body: this.json(ctx, target, a, true) };
  }

  add(ctx: Ctx, target: AttachmentTarget, body: Json): EmuResponse {
    const type = String(body['@odata.type'] ?? '').replace(/^#/, '');
    if (type !== target.odataType.slice(1)) throw badRequest(`@odata.type must be ${target.odataType}`);
    if (typeof body.name !== 'string' || typeof body.contentBytes !== 'string')
      throw badRequest('name and contentBytes are required');
    const content = Buffer.from(body.contentBytes, 'base64');
    if (content.length > INLINE_LIMIT) {
      throw new GraphError(
        413,
        'ErrorAttachmentSizeLimitExceeded',
        'Attachments larger than 3 MB must be uploaded with an upload session.',
      );
    }
    const a = this.store(
      target,
      body.name,
      String(body.contentType ?? 'application/octet-stream'),
      content,
      body.isInline === true,
    );
    return { status: 201, body: this.json(ctx, target, a, true) };
  }

  remove(target: AttachmentTarget, id: string): EmuResponse {
    const before = target.entry.attachments.length;
    target.entry.attachments = target.entry.attachments.filter((a) => a.id !== id);
    if (target.entry.attachments.length === before) throw notFound('The attachment was not found.');
    target.changed();
    return { status: 204 };
  }

  createSession(origin: string, target: AttachmentTarget, body: Json): EmuResponse {
    // Events take `AttachmentItem` ("attachment: createUploadSession", learn.microsoft.com/graph/api/attachment-createuploadsession);
    // To Do tasks take `attachmentInfo` ("taskFileAttachment: createUploadSession",
    // learn.microsoft.com/graph/api/taskfileattachment-createuploadsession). Each refuses the other's body.
    const property = target.odataType === '#microsoft.graph.taskFileAttachment' ? 'attachmentInfo' : 'AttachmentItem';
    const item = body[property] as Json | undefined;
    if (!item || typeof item.name !== 'string' || typeof item.size !== 'number')
      throw badRequest(`${property} with name and size is required`);
    if (item.size > UPLOAD_LIMIT)
      throw new GraphError(413, 'ErrorAttachmentSizeLimitExceeded', 'The attachment exceeds 150 MB.');
    const token = randomBytes(24).toString('base64url');
    const expires = Date.now() + 15 * 60_000;
    this.sessions.set(token, {
      origin,
      target,
      name: item.name,
      contentType: String(item.contentType ?? 'application/octet-stream'),
      size: item.size,
      chunks: [],
      received: 0,
      expires,
    });
    return {
      status: 201,
      body: {
        '@odata.type': '#microsoft.graph.uploadSession',
        uploadUrl: `${origin}/_upload/${token}`,
        expirationDateTime: new Date(expires).toISOString(),
        nextExpectedRanges: ['0-'],
      },
    };
  }

  /** PUT {uploadUrl} with Content-Range: bytes a-b/total. The URL itself is the credential. */
  put(token: string, contentRange: string | undefined, chunk: Buffer): EmuResponse {
    const session = this.sessions.get(token);
    if (!session || session.expires < Date.now())
      return new GraphError(404, 'ErrorItemNotFound', 'The upload session was not found or has expired.').toResponse();
    const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(contentRange ?? '');
    if (!m) return badRequest('Content-Range header is required: bytes start-end/total').toResponse();
    const [start, end, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (total !== session.size || start !== session.received || end - start + 1 !== chunk.length || end >= total) {
      return new GraphError(
        416,
        'InvalidRange',
        `Expected bytes starting at ${session.received} of ${session.size}.`,
      ).toResponse();
    }
    session.chunks.push(chunk);
    session.received += chunk.length;
    if (session.received < session.size) {
      return {
        status: 200,
        body: {
          expirationDateTime: new Date(session.expires).toISOString(),
          nextExpectedRanges: [`${session.received}-`],
        },
      };
    }
    this.sessions.delete(token);
    const a = this.store(session.target, session.name, session.contentType, Buffer.concat(session.chunks), false);
    // Outlook answers the last chunk with 201 and the new attachment's URL in Location, no body.
    return { status: 201, headers: { location: `${session.origin}/v1.0/attachments('${a.id}')` } };
  }

  private store(
    target: AttachmentTarget,
    name: string,
    contentType: string,
    content: Buffer,
    isInline: boolean,
  ): StoredAttachment {
    const a: StoredAttachment = {
      id: newId(),
      name,
      contentType,
      size: content.length,
      contentBytes: content.toString('base64'),
      isInline,
      lastModifiedDateTime: new Date().toISOString(),
    };
    target.entry.attachments.push(a);
    target.changed();
    return a;
  }

  reset(): void {
    this.sessions.clear();
  }
}
