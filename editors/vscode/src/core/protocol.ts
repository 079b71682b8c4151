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
  inlineCompletion: 'auro/inlineCompletion',
} as const;

/** Commands the server registers for workspace/executeCommand. */
export const ServerCommands = {
  reindex: 'auro.reindex',
  pauseIndexing: 'auro.pauseIndexing',
  resumeIndexing: 'auro.resumeIndexing',
  search: 'auro.search',
} as const;

// Wire types. Field names and optionality are checked against docs/protocol.schema.json
// (generated from server/lsp/protocol.py) by tests/lsp/test_protocol_clients.py: a field
// here must exist there, and a field not marked optional must be one the server always sends.

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
  /** Client-chosen id; the server echoes it in `auro/chatChunk`. */
  requestId?: string;
}

export interface CodeCitation {
  uri: string;
  range?: Range;
  symbol?: string | null;
  /** Relative to `root` (absolute when the file is in no workspace root). */
  path?: string;
  root?: string | null;
}

export interface WebCitation {
  url: string;
  title?: string;
}

export interface ChatResult {
  sessionId: string;
  text: string;
  citations: (CodeCitation | WebCitation)[];
  usage?: unknown;
  provider?: string | null;
  model?: string;
  status?: string;
  error?: string;
  /** The reply limit or the model's window cut the answer short. */
  truncated?: boolean;
  /** What the user must know about this answer: context cut or left out, truncation. */
  notices?: string[];
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

export interface WorkspaceInfo {
  root: string;
  dataDir: string;
}

export interface ServerStatus {
  version: string;
  http: HttpInfo | null;
  workspaces: WorkspaceInfo[];
}

export interface SearchParams {
  query: string;
  k?: number;
  paths?: string[];
  languages?: string[];
}

export interface SearchHit {
  path: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  symbol?: string | null;
  language?: string | null;
  score?: number;
  snippet?: string;
  retrievers?: string[];
  location?: Location;
}

export interface SearchResult {
  results: SearchHit[];
  complete?: boolean;
  warnings?: string[];
}

/** The running phase: `done` of `total` `unit`s (total null while not known). */
export interface IndexProgress {
  phase: string;
  detail: string;
  done: number;
  total: number | null;
  unit: string;
  rate: number;
  etaS: number | null;
  elapsedS: number;
  percentage: number | null;
}

export interface SkippedFile {
  path: string;
  reason: string;
  detail: string;
}

/** Files left out of the index: all counted by reason, the first 500 listed. */
export interface SkippedFiles {
  count: number;
  byReason: Record<string, number>;
  files: SkippedFile[];
}

export interface RootIndexStatus {
  root: string;
  filesTotal: number;
  filesKeywordIndexed: number;
  filesEmbedded: number;
  chunks: number;
  state: string;
  phase?: string | null;
  filesPerS?: number | null;
  etaS?: number | null;
  complete: boolean;
  progress?: IndexProgress | null;
  skipped?: SkippedFiles;
}

export interface IndexStatus {
  filesTotal: number;
  filesKeywordIndexed: number;
  filesEmbedded: number;
  chunks: number;
  state: string;
  complete: boolean;
  /** Each workspace root; phase, rate and ETA are per root. */
  roots: RootIndexStatus[];
}

export interface TextDocumentId {
  uri: string;
}

export interface InlineContext {
  /** 1 = invoked (more context and time), 2 = automatic (the server's default). */
  triggerKind?: number;
}

export interface InlineCompletionParams {
  textDocument: TextDocumentId;
  position: Position;
  context?: InlineContext;
}

export interface InlineItem {
  insertText: string;
  /** What the text replaces; the server sends the cursor (an insertion). */
  range: Range;
}

/** `InlineCompletionList` plus what happened (provider, cache, context, why nothing came). */
export interface InlineCompletionResult {
  items: InlineItem[];
  provider: string | null;
  cached: boolean;
  multiline: boolean;
  contextFiles: string[];
  notes: string[];
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

function parseCounts(value: Record<string, unknown>): Omit<IndexStatus, 'roots'> {
  return {
    filesTotal: num(value.filesTotal) ?? 0,
    filesKeywordIndexed: num(value.filesKeywordIndexed) ?? 0,
    filesEmbedded: num(value.filesEmbedded) ?? 0,
    chunks: num(value.chunks) ?? 0,
    state: str(value.state) ?? 'unknown',
    complete: value.complete === true,
  };
}

function parseRoot(value: Record<string, unknown>): RootIndexStatus {
  return {
    root: str(value.root) ?? '',
    ...parseCounts(value),
    phase: str(value.phase) ?? null,
    filesPerS: num(value.filesPerS) ?? null,
    etaS: num(value.etaS) ?? null,
    progress: parseProgress(value.progress),
    skipped: parseSkipped(value.skipped),
  };
}

function parseProgress(value: unknown): IndexProgress | null {
  if (!isObject(value) || typeof value.phase !== 'string') return null;
  return {
    phase: value.phase,
    detail: str(value.detail) ?? '',
    done: num(value.done) ?? 0,
    total: num(value.total) ?? null,
    unit: str(value.unit) ?? '',
    rate: num(value.rate) ?? 0,
    etaS: num(value.etaS) ?? null,
    elapsedS: num(value.elapsedS) ?? 0,
    percentage: num(value.percentage) ?? null,
  };
}

function parseSkipped(value: unknown): SkippedFiles {
  if (!isObject(value)) return { count: 0, byReason: {}, files: [] };
  const byReason: Record<string, number> = {};
  if (isObject(value.byReason)) {
    for (const [reason, n] of Object.entries(value.byReason)) if (typeof n === 'number') byReason[reason] = n;
  }
  const files = Array.isArray(value.files)
    ? value.files.filter(isObject).map((f) => ({ path: str(f.path) ?? '', reason: str(f.reason) ?? '', detail: str(f.detail) ?? '' }))
    : [];
  return { count: num(value.count) ?? 0, byReason, files };
}

export function parseIndexStatus(value: unknown): IndexStatus | undefined {
  if (!isObject(value)) return undefined;
  const roots = Array.isArray(value.roots) ? value.roots.filter(isObject).map(parseRoot) : [];
  return { ...parseCounts(value), roots };
}

/** The root whose phase, rate and ETA describe the indexing: the first one still working. */
export function busiestRoot(index: IndexStatus): RootIndexStatus | undefined {
  return index.roots.find((r) => !r.complete) ?? index.roots[0];
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * A `auro/inlineCompletion` answer, or undefined when it is not an object with an `items`
 * list. Malformed items are dropped; missing details get neutral values.
 */
export function parseInlineCompletionResult(value: unknown): InlineCompletionResult | undefined {
  if (!isObject(value) || !Array.isArray(value.items)) return undefined;
  const items = value.items
    .filter((i): i is Json => isObject(i) && typeof i.insertText === 'string' && isRange(i.range))
    .map((i) => ({ insertText: i.insertText as string, range: i.range as Range }));
  return {
    items,
    provider: str(value.provider) ?? null,
    cached: value.cached === true,
    multiline: value.multiline === true,
    contextFiles: strings(value.contextFiles),
    notes: strings(value.notes),
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
