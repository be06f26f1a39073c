/** The admin API client: bearer token or approuter session, problem JSON turned into ApiError. */
export interface FieldError {
  path: string;
  message: string;
}
export interface Problem {
  status: number;
  code?: string;
  title?: string;
  detail?: string;
  errors?: FieldError[];
  requestId?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
  get forbidden(): boolean {
    return this.status === 403;
  }
}

const BASE = '/api/v1';
let bearer: string | undefined;
let csrfToken: string | undefined;

export function setBearer(token: string | undefined): void {
  bearer = token;
}

/** Behind the approuter (no bearer of our own) writes need its CSRF token, fetched with a GET. */
async function fetchCsrfToken(): Promise<string | undefined> {
  const response = await fetch(`${BASE}/`, { headers: { 'x-csrf-token': 'Fetch' }, credentials: 'same-origin' });
  return response.headers.get('x-csrf-token') ?? undefined;
}

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  query?: Record<string, string | number | undefined>;
}

export async function api<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const url = new URL(`${BASE}${path}`, window.location.origin);
  for (const [key, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
  }
  const write = method !== 'GET';
  const send = async (): Promise<Response> => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    if (write && !bearer) {
      csrfToken ??= await fetchCsrfToken();
      if (csrfToken) headers['x-csrf-token'] = csrfToken;
    }
    return fetch(url, {
      method,
      headers,
      credentials: 'same-origin',
      ...(options.body === undefined
        ? {}
        : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
    });
  };
  let response = await send();
  if (
    write &&
    !bearer &&
    response.status === 403 &&
    response.headers.get('x-csrf-token')?.toLowerCase() === 'required'
  ) {
    csrfToken = undefined; // the approuter session was renewed: fetch a fresh token once
    response = await send();
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const problem = (body && typeof body === 'object' ? body : {}) as Problem;
    throw new ApiError(response.status, {
      ...problem,
      status: response.status,
      detail: problem.detail ?? (text.slice(0, 200) || response.statusText),
    });
  }
  return body as T;
}

// Shapes of the admin API (see /api/v1/openapi.json).
export interface Environment {
  id: string;
  name: string;
  kind: 'ews-onprem' | 'ews-online' | 'graph';
  connection: Record<string, unknown>;
  secretsSet: string[];
  maxConcurrency: number;
  testMailbox: string | null;
  createdAt: string;
  updatedAt: string;
  /** Only on kind ews-online: Microsoft's end of EWS in Exchange Online (ISO dates). */
  retirement?: { blockedByDefaultFrom: string; switchedOffOn: string; moveTo: 'graph'; message: string };
}
export interface InitialLoad {
  state: 'queued' | 'running' | 'done' | 'failed';
  done: number;
  total: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  error?: string | null;
}
export interface User {
  id: string;
  smtpAddress: string;
  environmentId: string;
  s4User: string | null;
  employeeBp: string | null;
  syncAppointments: boolean;
  syncTasks: boolean;
  syncContacts: boolean;
  enabled: boolean;
  status: string;
  lastError: unknown;
  initialLoad: InitialLoad | null;
  createdAt: string;
  updatedAt: string;
}
export interface Page<T> {
  items: T[];
  total: number;
}
export interface ImportReport {
  created: number;
  updated: number;
  failed: number;
  rows: Array<{
    row: number;
    smtpAddress: string | null;
    outcome: 'created' | 'updated' | 'error';
    message: string | null;
  }>;
}
export interface S4Connection {
  kind: 'destination' | 'url';
  destinationName: string | null;
  url: string | null;
  username: string | null;
  sapClient: string | null;
  passwordSet: boolean;
  updatedAt: string;
}
export interface S4TestStep {
  step: 'reach' | 'authenticate' | 'metadata' | 'read' | 'heartbeat';
  name: string;
  service?: string;
  ok: boolean;
  message: string;
  durationMs: number;
  problems?: string[];
}
export interface Credential {
  id: string;
  username: string;
  createdAt: string;
  createdBy: string | null;
  revokedAt: string | null;
}
export interface IssuedCredential {
  id: string;
  username: string;
  password: string;
  createdAt: string;
}
export interface JournalEntry {
  id: number;
  at: string;
  correlationId?: string;
  mailboxId?: string;
  objectKind?: string;
  s4Key?: string;
  exchangeItemId?: string;
  direction?: string;
  outcome: string;
  reason: string;
  details: Record<string, unknown>;
}
export interface DeadLetter {
  id: number;
  source: string;
  eventId: string;
  type: string;
  subject: string;
  correlationId: string;
  attempts: number;
  lastError: unknown;
  receivedAt: string;
}
export interface Status {
  mailboxes: Record<string, number>;
  backlog: { pending: number; processing: number; dead: number; oldestPendingAt: string | null };
  lastEvents: Record<string, string | null>;
  subscriptions: { active: number; pending: number; stale: number };
  activity: Array<{ hour: string; outcome: string; count: number }>;
}
export interface TestStep {
  step: string;
  ok: boolean;
  message: string;
  durationMs: number;
}
export interface SettingsDocument {
  settings: Record<string, unknown>;
  version: number;
  changedBy: string | null;
  changedAt: string | null;
  history?: Array<Record<string, unknown>>;
}
/** A destructive action the safety valve held back; fields beyond id are shown when present. */
export interface PendingDeletion {
  id: string | number;
  [key: string]: unknown;
}

/** Short text of an error value (lastError columns hold `{ code, message }` objects or strings). */
export function errorText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') {
    const v = value as { message?: unknown; code?: unknown };
    if (typeof v.message === 'string') return typeof v.code === 'string' ? `${v.code}: ${v.message}` : v.message;
  }
  return JSON.stringify(value);
}
