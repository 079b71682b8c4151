/**
 * Maps the extension's `auro.*` settings to what the server reads (camelCase keys):
 * user-only settings travel in `initializationOptions`, workspace-safe ones answer
 * `workspace/configuration` (section `auro`). Also computes the server launch command.
 * Pure: no `vscode` import.
 */

/** Keys under `auro.*` that configure the extension itself and never reach the server. */
export const CLIENT_ONLY_KEYS: readonly string[] = ['server', 'trace', 'chat', 'search', 'inlineCompletion', 'extraSettings'];

/**
 * Server settings the extension contributes (camelCase, as the server accepts them).
 * Each defaults to `null` = "not set here": the server then uses its environment, its
 * `.env` or its own default.
 */
export const SERVER_KEYS: readonly string[] = [
  'llamacppServerUrl',
  'llamacppModelName',
  'openaiBaseUrl',
  'openaiModel',
  'geminiModel',
  'llmProviders',
  'embeddingModel',
  'chunkSize',
  'maxFileBytes',
  'ignoreGlobs',
  'watchFiles',
  'webSearchEnabled',
  'httpEnabled',
  'dataDir',
  'logLevel',
  'inlineCompletionProvider',
  'inlineCompletionContextTokens',
  'inlineCompletionMaxLines',
  'inlineCompletionDisabledLanguages',
];

/**
 * Server settings only the user may set: declared `"scope": "machine"` in package.json (VS Code
 * ignores workspace values for them) and sent in `initializationOptions`, which the server
 * trusts. `workspace/configuration` never carries them: the server refuses them there.
 */
export const USER_ONLY_KEYS: readonly string[] = [
  'llamacppServerUrl',
  'llamacppModelName',
  'openaiBaseUrl',
  'openaiModel',
  'geminiModel',
  'llmProviders',
  'embeddingModel',
  'webSearchEnabled',
  'httpEnabled',
  'dataDir',
  'inlineCompletionProvider',
  'inlineCompletionContextTokens',
];

/** Server settings a workspace may set (index tuning, toggles): the `workspace/configuration` answer. */
export const WORKSPACE_KEYS: readonly string[] = [
  'chunkSize',
  'maxFileBytes',
  'ignoreGlobs',
  'watchFiles',
  'logLevel',
  'inlineCompletionMaxLines',
  'inlineCompletionDisabledLanguages',
];

/** Keys that look like secrets: never sent from editor settings (use the environment or .env). */
const SECRET = /(api[_-]?key|secret|password|passwd|token|credentials?)$/i;

export function isSecretKey(key: string): boolean {
  return SECRET.test(key);
}

/** snake_case or UPPER_SNAKE → camelCase; camelCase stays as it is. */
export function toCamel(key: string): string {
  if (!key.includes('_')) return key;
  const [head, ...rest] = key.toLowerCase().split('_').filter((p) => p.length > 0);
  return (head ?? '') + rest.map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
}

export interface MappedSettings {
  settings: Record<string, unknown>;
  warnings: string[];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON-safe copy (VS Code configuration objects are proxies). */
function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = clone(v);
    return out;
  }
  return value;
}

/**
 * The `auro` section as the server should see it: client-only keys removed, unset (`null`)
 * values dropped, `auro.extraSettings` merged in (explicit settings win), secret-looking
 * keys refused with a warning.
 */
export function toServerSettings(section: unknown): MappedSettings {
  const settings: Record<string, unknown> = {};
  const warnings: string[] = [];
  if (!isPlainObject(section)) return { settings, warnings };

  const extra = section.extraSettings;
  if (extra !== undefined && extra !== null && !isPlainObject(extra)) {
    warnings.push('auro.extraSettings must be an object of server setting → value; ignored');
  }
  const layers: [string, Record<string, unknown>][] = [];
  if (isPlainObject(extra)) layers.push(['auro.extraSettings', extra]);
  const direct: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(section)) {
    if (!CLIENT_ONLY_KEYS.includes(key)) direct[key] = value;
  }
  layers.push(['auro', direct]);

  for (const [origin, layer] of layers) {
    for (const [rawKey, value] of Object.entries(layer)) {
      if (value === null || value === undefined) continue;
      const key = toCamel(rawKey);
      if (isSecretKey(key)) {
        warnings.push(
          `${origin === 'auro' ? 'auro.' + rawKey : `${origin}.${rawKey}`} looks like a secret and is not sent to the server; ` +
            'set it in the environment or the server\'s .env instead',
        );
        continue;
      }
      settings[key] = clone(value);
    }
  }
  return { settings, warnings };
}

export interface SplitSettings {
  /** User-level: the user-only keys and `auro.extraSettings` (both machine-scoped). */
  initializationOptions: Record<string, unknown>;
  /** Workspace-level: only the workspace-safe keys. */
  workspace: Record<string, unknown>;
  warnings: string[];
}

function pick(section: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (key in section) out[key] = section[key];
  return out;
}

/**
 * Splits the `auro` section by trust: user-only keys and `auro.extraSettings` go to
 * `initializationOptions`; workspace-safe keys to `workspace/configuration`. Any other key
 * (not declared by the extension, so possibly from a workspace's settings.json) is dropped
 * with a warning.
 */
export function splitServerSettings(section: unknown): SplitSettings {
  if (!isPlainObject(section)) return { initializationOptions: {}, workspace: {}, warnings: [] };
  const user = toServerSettings(pick(section, [...USER_ONLY_KEYS, 'extraSettings']));
  const workspace = toServerSettings(pick(section, WORKSPACE_KEYS));
  const known = new Set([...CLIENT_ONLY_KEYS, ...USER_ONLY_KEYS, ...WORKSPACE_KEYS]);
  const ignored = Object.keys(section)
    .filter((key) => !known.has(key) && section[key] !== null && section[key] !== undefined)
    .map((key) => `auro.${key} is not an Auro-PAI setting and is not sent; other server settings go in auro.extraSettings (user settings)`);
  return {
    initializationOptions: user.settings,
    workspace: workspace.settings,
    warnings: [...user.warnings, ...workspace.warnings, ...ignored],
  };
}

/** True when a configuration change needs a server restart (initializationOptions change). */
export function needsRestart(affects: (section: string) => boolean): boolean {
  return ['server', ...USER_ONLY_KEYS, 'extraSettings'].some((key) => affects(`auro.${key}`));
}

export interface LaunchSettings {
  command?: string | null;
  pythonPath?: string | null;
  args?: readonly string[] | null;
  cwd?: string | null;
}

export interface VariableContext {
  workspaceFolder?: string;
  userHome?: string;
  env?: Record<string, string | undefined>;
}

/** Expands `${workspaceFolder}`, `${userHome}`, `${env:NAME}` and a leading `~/`. */
export function expandVariables(value: string, ctx: VariableContext): string {
  let out = value.replace(/\$\{(workspaceFolder|userHome|env:([A-Za-z_][A-Za-z0-9_]*))\}/g, (whole, name: string, envName?: string) => {
    if (envName !== undefined) return ctx.env?.[envName] ?? '';
    if (name === 'workspaceFolder') return ctx.workspaceFolder ?? whole;
    return ctx.userHome ?? whole;
  });
  if (ctx.userHome && (out === '~' || out.startsWith('~/'))) out = ctx.userHome + out.slice(1);
  return out;
}

export interface Launch {
  command: string;
  args: string[];
  cwd?: string;
}

/**
 * How to start the server: `<pythonPath> -m server.cli lsp <args>` when a Python
 * interpreter is configured, else `<command> lsp <args>` (command defaults to `auro-pai`).
 * The working directory defaults to the first workspace folder (the server reads no files there).
 */
export function serverLaunch(settings: LaunchSettings, ctx: VariableContext = {}): Launch {
  const expand = (v: string) => expandVariables(v.trim(), ctx);
  const extra = (settings.args ?? []).filter((a) => typeof a === 'string').map((a) => expandVariables(a, ctx));
  const python = settings.pythonPath ? expand(settings.pythonPath) : '';
  const launch: Launch = python
    ? { command: python, args: ['-m', 'server.cli', 'lsp', ...extra] }
    : { command: expand(settings.command || '') || 'auro-pai', args: ['lsp', ...extra] };
  const cwd = settings.cwd ? expand(settings.cwd) : ctx.workspaceFolder;
  if (cwd) launch.cwd = cwd;
  return launch;
}

export interface ChatOptions {
  includeRag: boolean;
  includeTools: boolean;
}

export function chatOptions(section: unknown): ChatOptions {
  const chat = isPlainObject(section) && isPlainObject(section.chat) ? section.chat : {};
  return {
    includeRag: chat.includeRag !== false,
    includeTools: chat.includeTools === true,
  };
}

export interface SearchOptions {
  debounceMs: number;
  maxResults: number;
}

export function searchOptions(section: unknown): SearchOptions {
  const search = isPlainObject(section) && isPlainObject(section.search) ? section.search : {};
  const debounce = typeof search.debounceMs === 'number' && search.debounceMs >= 0 ? search.debounceMs : 250;
  const k = typeof search.maxResults === 'number' && search.maxResults >= 1 ? Math.floor(search.maxResults) : 20;
  return { debounceMs: Math.min(debounce, 5000), maxResults: Math.min(k, 200) };
}
