/**
 * The Auro-PAI server's custom LSP surface: method names, payload types and
 * defensive parsers for what the server sends. Pure: no `vscode` import.
 */

export const Methods = {
  chat: 'auro/chat',
  chatChunk: 'auro/chatChunk',
  status: 'auro/status',
  search: 'auro/search',
  indexStatus: 'auro/indexStatus',
  usage: 'auro/usage',
} as const;

/** Commands the server registers for workspace/executeCommand. */
export const ServerCommands = {
  reindex: 'auro.reindex',
  pauseIndexing: 'auro.pauseIndexing',
  resumeIndexing: 'auro.resumeIndexing',
  search: 'auro.search',
} as const;

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface Location {
  uri: string;
  range: Range;
}

export interface ChatParams {
  message: string;
  sessionId?: string;
  uri?: string;
  range?: Range;
  includeRag?: boolean;
  includeTools?: boolean;
  /** Client-chosen id; the server may echo it in `auro/chatChunk`. */
  requestId?: string;
}

export interface Citation {
  uri: string;
  range?: Range;
  symbol?: string | null;
}

export interface ChatResult {
  sessionId: string;
  text: string;
  citations: Citation[];
  usage?: unknown;
  provider?: string | null;
}

export interface ChatChunk {
  requestId: string;
  sessionId?: string;
  index: number;
  text: string;
}

export interface HttpInfo {
  url: string;
  host: string;
  port: number;
  token?: string;
}

export interface ServerStatus {
  version: string;
  http: HttpInfo | null;
  workspaces: { root: string; dataDir: string }[];
}

export interface SearchParams {
  query: string;
  k?: number;
  paths?: string[];
  languages?: string[];
}

export interface SearchResultItem {
  path: string;
  start_line: number;
  end_line: number;
  symbol?: string | null;
  language?: string | null;
  score?: number;
  snippet?: string;
  retrievers?: string[];
  location?: Location;
}

export interface SearchResponse {
  results: SearchResultItem[];
  complete?: boolean;
  [extra: string]: unknown;
}

export interface IndexStatus {
  files_total: number;
  files_keyword_indexed: number;
  files_embedded: number;
  chunks: number;
  state: string;
  phase?: string | null;
  files_per_s?: number | null;
  eta_s?: number | null;
  complete: boolean;
}

export type HealthLevel = 'ok' | 'degraded' | 'down' | 'unconfigured';

export interface ComponentHealth {
  status: HealthLevel;
  reason?: string;
}

export interface HealthReport {
  status: HealthLevel;
  version?: string;
  components: Record<string, ComponentHealth>;
}

// ---------------------------------------------------------------- parsers

type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function isPosition(value: unknown): value is Position {
  return isObject(value) && num(value.line) !== undefined && num(value.character) !== undefined;
}

export function isRange(value: unknown): value is Range {
  return isObject(value) && isPosition(value.start) && isPosition(value.end);
}

export function isLocation(value: unknown): value is Location {
  return isObject(value) && typeof value.uri === 'string' && isRange(value.range);
}

/** A `auro/chatChunk` payload, or undefined when malformed. Numeric request ids become strings. */
export function parseChatChunk(value: unknown): ChatChunk | undefined {
  if (!isObject(value)) return undefined;
  const rawId = value.requestId;
  const requestId =
    typeof rawId === 'string' ? rawId : typeof rawId === 'number' ? String(rawId) : undefined;
  const index = num(value.index);
  const text = str(value.text);
  if (requestId === undefined || index === undefined || text === undefined) return undefined;
  if (!Number.isInteger(index) || index < 0) return undefined;
  const sessionId = str(value.sessionId);
  return sessionId === undefined ? { requestId, index, text } : { requestId, sessionId, index, text };
}

export function parseServerStatus(value: unknown): ServerStatus | undefined {
  if (!isObject(value)) return undefined;
  let http: HttpInfo | null = null;
  if (isObject(value.http) && typeof value.http.url === 'string') {
    const h = value.http;
    http = {
      url: h.url as string,
      host: str(h.host) ?? '',
      port: num(h.port) ?? 0,
    };
    const token = str(h.token);
    if (token) http.token = token;
  }
  const workspaces = Array.isArray(value.workspaces)
    ? value.workspaces.filter(isObject).map((w) => ({ root: str(w.root) ?? '', dataDir: str(w.dataDir) ?? '' }))
    : [];
  return { version: str(value.version) ?? 'unknown', http, workspaces };
}

export function parseIndexStatus(value: unknown): IndexStatus | undefined {
  if (!isObject(value)) return undefined;
  return {
    files_total: num(value.files_total) ?? 0,
    files_keyword_indexed: num(value.files_keyword_indexed) ?? 0,
    files_embedded: num(value.files_embedded) ?? 0,
    chunks: num(value.chunks) ?? 0,
    state: str(value.state) ?? 'unknown',
    phase: str(value.phase) ?? null,
    files_per_s: num(value.files_per_s) ?? null,
    eta_s: num(value.eta_s) ?? null,
    complete: value.complete === true,
  };
}

const LEVELS: readonly HealthLevel[] = ['ok', 'degraded', 'down', 'unconfigured'];

function level(value: unknown): HealthLevel | undefined {
  return LEVELS.includes(value as HealthLevel) ? (value as HealthLevel) : undefined;
}

export function parseHealth(value: unknown): HealthReport | undefined {
  if (!isObject(value)) return undefined;
  const status = level(value.status);
  if (!status) return undefined;
  const components: Record<string, ComponentHealth> = {};
  if (isObject(value.components)) {
    for (const [name, c] of Object.entries(value.components)) {
      if (!isObject(c)) continue;
      const s = level(c.status);
      if (s) components[name] = { status: s, reason: str(c.reason) ?? '' };
    }
  }
  const version = str(value.version);
  return version === undefined ? { status, components } : { status, version, components };
}

/** The request the extension makes for the sidecar health: URL and headers. */
export function healthRequest(http: HttpInfo): { url: string; headers: Record<string, string> } {
  const url = http.url.replace(/\/+$/, '') + '/api/v1/health';
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (http.token) headers.Authorization = `Bearer ${http.token}`;
  return { url, headers };
}
