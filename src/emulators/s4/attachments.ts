import { createHash, randomUUID } from 'node:crypto';
import { GatewayError, gatewayErrors } from './gateway-error.js';
import type { S4Store } from './store.js';

/**
 * The standard attachment service API_CV_ATTACHMENT_SRV (SAP API Business Hub, "Attachments",
 * API_CV_ATTACHMENT_SRV; help.sap.com "Attachment Service – Create, Read, Delete Attachments"):
 * attachments of a business object (here BUS2000126 appointments and BUS2000125 tasks, linked by
 * LinkedSAPObjectKey = the activity GUID as 32 upper-case hex digits, the GOS key of a one-order
 * object). Served the way SAP Gateway serves media entities (OData v2 "Media Resources"):
 * - `POST …/AttachmentContentSet` with the file as the raw body, its name in the `Slug` header
 *   (percent-encoded), `BusinessObjectTypeName` and `LinkedSAPObjectKey` headers and the MIME
 *   type as Content-Type → 201 with the entry and its Location;
 * - `GET …/AttachmentContentSet(<keys>)/$value` → the bytes with their Content-Type;
 * - `GET …/GetAllOriginals?BusinessObjectTypeName='…'&LinkedSAPObjectKey='…'` → the object's attachments;
 * - `DELETE …/AttachmentContentSet(<keys>)`.
 * Authentication and the CSRF token (fetched with `x-csrf-token: Fetch`, required on POST and
 * DELETE) are checked by the server before a request gets here, as for every Gateway service.
 */
export const ATTACHMENT_SERVICE = 'API_CV_ATTACHMENT_SRV';

/** Business object types the emulator links attachments to, with the entity set holding the object. */
const OBJECT_SETS: Record<string, string> = { BUS2000126: 'A_AppointmentActivity', BUS2000125: 'TaskActivity' };

interface StoredAttachment {
  docNumber: string;
  logicalDocument: string;
  archiveDocumentId: string;
  objectType: string;
  objectKey: string;
  fileName: string;
  mimeType: string;
  content: Buffer;
  createdAt: number;
  createdBy: string;
}

export interface AttachmentRequest {
  method: string;
  /** Path below the service root, e.g. `AttachmentContentSet` or `GetAllOriginals`. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: Buffer | undefined;
  root: string;
  user: string;
}

export interface AttachmentResponse {
  status: number;
  headers: Record<string, string>;
  body?: string | Buffer;
}

const KEY_NAMES = [
  'DocumentInfoRecordDocType',
  'DocumentInfoRecordDocNumber',
  'DocumentInfoRecordDocVersion',
  'DocumentInfoRecordDocPart',
  'LogicalDocument',
  'ArchiveDocumentID',
  'LinkedSAPObjectKey',
  'BusinessObjectTypeName',
] as const;

export class AttachmentService {
  private readonly attachments = new Map<string, StoredAttachment>();
  private nextDoc = 1;

  constructor(private readonly store: S4Store) {}

  clear(): void {
    this.attachments.clear();
    this.nextDoc = 1;
  }

  /** Every stored attachment (tests and the control API). */
  list(): Array<{ objectType: string; objectKey: string; fileName: string; mimeType: string; size: number }> {
    return [...this.attachments.values()].map((a) => ({
      objectType: a.objectType,
      objectKey: a.objectKey,
      fileName: a.fileName,
      mimeType: a.mimeType,
      size: a.content.length,
    }));
  }

  handle(req: AttachmentRequest): AttachmentResponse {
    const path = req.path.replace(/\/$/, '');
    if (path === 'GetAllOriginals') {
      if (req.method !== 'GET') throw gatewayErrors.methodNotAllowed(req.method);
      const objectType = literal(req.query.get('BusinessObjectTypeName'), 'BusinessObjectTypeName');
      const objectKey = literal(req.query.get('LinkedSAPObjectKey'), 'LinkedSAPObjectKey');
      const results = [...this.attachments.values()]
        .filter((a) => a.objectType === objectType && a.objectKey === objectKey)
        .map((a) => this.entry(a, req.root));
      return json(200, { d: { results } });
    }
    if (path === 'AttachmentContentSet') {
      if (req.method === 'POST') return this.create(req);
      throw gatewayErrors.methodNotAllowed(req.method);
    }
    const match = /^AttachmentContentSet\((.*)\)(\/\$value)?$/.exec(path);
    if (!match) throw gatewayErrors.notFound(path.split('/')[0] ?? path);
    const attachment = this.byKeys(match[1]!);
    if (match[2]) {
      if (req.method !== 'GET') throw gatewayErrors.methodNotAllowed(req.method);
      return {
        status: 200,
        headers: {
          'content-type': attachment.mimeType,
          'content-length': String(attachment.content.length),
          'content-disposition': `inline; filename="${encodeURIComponent(attachment.fileName)}"`,
        },
        body: attachment.content,
      };
    }
    if (req.method === 'GET') return json(200, { d: this.entry(attachment, req.root) });
    if (req.method === 'DELETE') {
      this.attachments.delete(attachment.docNumber);
      return { status: 204, headers: {} };
    }
    throw gatewayErrors.methodNotAllowed(req.method);
  }

  private create(req: AttachmentRequest): AttachmentResponse {
    const slug = req.headers.slug;
    if (!slug) throw gatewayErrors.badRequest('The Slug header (file name) is missing');
    let fileName: string;
    try {
      fileName = decodeURIComponent(slug).trim();
    } catch {
      throw gatewayErrors.badRequest('The Slug header is not valid percent-encoding');
    }
    if (!fileName || fileName.length > 255)
      throw gatewayErrors.badRequest('The file name must have 1 to 255 characters');
    const objectType = req.headers.businessobjecttypename;
    const objectKey = req.headers.linkedsapobjectkey;
    if (!objectType || !objectKey)
      throw gatewayErrors.badRequest('The headers BusinessObjectTypeName and LinkedSAPObjectKey are required');
    const set = OBJECT_SETS[objectType];
    if (!set)
      throw gatewayErrors.business(
        `Business object type ${objectType} is not enabled for attachments`,
        'CV_ATTACHMENT_SRV/002',
      );
    if (!/^[0-9A-F]{32}$/.test(objectKey) || !this.objectExists(set, objectKey)) {
      throw gatewayErrors.business(`Object ${objectKey} of type ${objectType} does not exist`, 'CV_ATTACHMENT_SRV/003');
    }
    const mimeType =
      (req.headers['content-type'] ?? 'application/octet-stream').split(';')[0]!.trim() || 'application/octet-stream';
    const docNumber = String(this.nextDoc++).padStart(10, '0');
    const attachment: StoredAttachment = {
      docNumber,
      logicalDocument: hex32(),
      archiveDocumentId: hex32(),
      objectType,
      objectKey,
      fileName,
      mimeType,
      content: req.body ?? Buffer.alloc(0),
      createdAt: Date.now(),
      createdBy: req.user,
    };
    this.attachments.set(docNumber, attachment);
    const entry = this.entry(attachment, req.root);
    return {
      ...json(201, { d: entry }),
      headers: { 'content-type': 'application/json', location: entry.__metadata.uri },
    };
  }

  private objectExists(set: string, hexKey: string): boolean {
    const guid =
      `${hexKey.slice(0, 8)}-${hexKey.slice(8, 12)}-${hexKey.slice(12, 16)}-${hexKey.slice(16, 20)}-${hexKey.slice(20)}`.toLowerCase();
    return this.store.list(set).some((row) => String(row.ActivityUUID).toLowerCase() === guid);
  }

  private byKeys(predicate: string): StoredAttachment {
    const keys = new Map<string, string>();
    for (const part of predicate.split(',')) {
      const m = /^\s*(\w+)\s*=\s*'((?:[^']|'')*)'\s*$/.exec(part);
      if (!m) throw gatewayErrors.badRequest(`Invalid key predicate (${predicate})`);
      keys.set(m[1]!, m[2]!.replace(/''/g, "'"));
    }
    for (const name of KEY_NAMES)
      if (!keys.has(name)) throw gatewayErrors.badRequest(`Key ${name} is missing in the key predicate`);
    const found = this.attachments.get(keys.get('DocumentInfoRecordDocNumber')!);
    if (
      !found ||
      found.logicalDocument !== keys.get('LogicalDocument') ||
      found.objectKey !== keys.get('LinkedSAPObjectKey') ||
      found.objectType !== keys.get('BusinessObjectTypeName')
    ) {
      throw new GatewayError(404, '/IWBEP/CM_MGW_RT/020', 'Attachment not found');
    }
    return found;
  }

  private entry(a: StoredAttachment, root: string) {
    const keys =
      `DocumentInfoRecordDocType='SAT',DocumentInfoRecordDocNumber='${a.docNumber}',DocumentInfoRecordDocVersion='00',` +
      `DocumentInfoRecordDocPart='000',LogicalDocument='${a.logicalDocument}',ArchiveDocumentID='${a.archiveDocumentId}',` +
      `LinkedSAPObjectKey='${a.objectKey}',BusinessObjectTypeName='${a.objectType}'`;
    const uri = `${root}/AttachmentContentSet(${keys})`;
    return {
      __metadata: {
        id: uri,
        uri,
        type: `${ATTACHMENT_SERVICE}.AttachmentContent`,
        content_type: a.mimeType,
        media_src: `${uri}/$value`,
        edit_media: `${uri}/$value`,
      },
      DocumentInfoRecordDocType: 'SAT',
      DocumentInfoRecordDocNumber: a.docNumber,
      DocumentInfoRecordDocVersion: '00',
      DocumentInfoRecordDocPart: '000',
      LogicalDocument: a.logicalDocument,
      ArchiveDocumentID: a.archiveDocumentId,
      LinkedSAPObjectKey: a.objectKey,
      BusinessObjectTypeName: a.objectType,
      SemanticObject: '',
      WorkstationApplication: (a.fileName.split('.').pop() ?? '').toUpperCase().slice(0, 3),
      FileSize: String(a.content.length),
      FileName: a.fileName,
      DocumentURL: '',
      MimeType: a.mimeType,
      Content: '',
      ContentHash: createHash('sha256').update(a.content).digest('hex'),
      CreatedByUser: a.createdBy,
      CreatedByUserFullName: a.createdBy,
      CreationDateTime: `/Date(${a.createdAt})/`,
      BusinessObjectType: a.objectType,
      LastChangedByUser: a.createdBy,
      ChangedDateTime: `/Date(${a.createdAt})/`,
      StorageCategory: 'SOMU',
    };
  }
}

function hex32(): string {
  return randomUUID().replace(/-/g, '').toUpperCase();
}

/** A quoted OData literal from a function import parameter. */
function literal(value: string | null, name: string): string {
  const m = /^'((?:[^']|'')*)'$/.exec(value ?? '');
  if (!m) throw gatewayErrors.badRequest(`Parameter ${name} is missing or not a quoted string`);
  return m[1]!.replace(/''/g, "'");
}

function json(status: number, body: unknown): AttachmentResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
