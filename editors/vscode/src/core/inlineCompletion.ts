/**
 * Inline completion over `auro/inlineCompletion`: the request, which answers become editor
 * items, when to ask at all (toggle, language, debounce) and the typed-through cache.
 * Pure: no `vscode` import; src/inlineCompletion.ts adapts it to the editor.
 */

import {
  InlineCompletionParams,
  InlineCompletionResult,
  InlineItem,
  Methods,
  Position,
  parseInlineCompletionResult,
} from './protocol';
import { Timers } from './searchItems';

export type Trigger = 'invoked' | 'automatic';

/** LSP 3.18 `InlineCompletionTriggerKind` (VS Code numbers its own enum differently). */
const LSP_TRIGGER: Readonly<Record<Trigger, number>> = { invoked: 1, automatic: 2 };

export function inlineParams(uri: string, position: Position, trigger: Trigger): InlineCompletionParams {
  return {
    textDocument: { uri },
    position: { line: position.line, character: position.character },
    context: { triggerKind: LSP_TRIGGER[trigger] },
  };
}

// ---------------------------------------------------------------- settings

const DEFAULT_DEBOUNCE_MS = 150;
const MAX_DEBOUNCE_MS = 2000;

export interface InlineOptions {
  debounceMs: number;
  /** LSP language ids (the server's `inlineCompletionDisabledLanguages`). */
  disabledLanguages: string[];
}

/** The raw setting values, as the editor's configuration holds them. */
export interface RawInlineOptions {
  /** `auro.inlineCompletion.debounceMs` */
  debounceMs?: unknown;
  /** `auro.inlineCompletionDisabledLanguages`: a list, or comma-separated as the server takes it. */
  disabledLanguages?: unknown;
}

/** Validated options: a bad debounce falls back to the default, at most 2 s. */
export function inlineOptions(raw: RawInlineOptions): InlineOptions {
  const ms = raw.debounceMs;
  const debounceMs = typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? Math.min(ms, MAX_DEBOUNCE_MS) : DEFAULT_DEBOUNCE_MS;
  const langs = raw.disabledLanguages;
  const list: unknown[] = typeof langs === 'string' ? langs.split(',') : Array.isArray(langs) ? langs : [];
  const disabledLanguages = list.filter((l): l is string => typeof l === 'string').map((l) => l.trim()).filter(Boolean);
  return { debounceMs, disabledLanguages };
}

/**
 * `auro.inlineCompletion.enabled` at each level, as VS Code's `inspect` gives it (language
 * overrides included). Only the user turns completion on: it sends the buffer to the
 * provider the user configured, so a workspace's settings may turn it off, never on.
 */
export interface EnabledLevels {
  defaultValue?: boolean;
  globalValue?: boolean;
  globalLanguageValue?: boolean;
  workspaceValue?: boolean;
  workspaceFolderValue?: boolean;
  workspaceLanguageValue?: boolean;
  workspaceFolderLanguageValue?: boolean;
}

export interface EnabledState {
  enabled: boolean;
  /** Off because a workspace (or folder) setting says so, whatever the user's setting. */
  offByWorkspace: boolean;
  /** The user-level value the status bar toggle flips. */
  user: boolean;
}

export function enabledState(levels: EnabledLevels | undefined): EnabledState {
  const l = levels ?? {};
  const user = l.globalLanguageValue ?? l.globalValue ?? l.defaultValue ?? true;
  const workspace = [l.workspaceValue, l.workspaceFolderValue, l.workspaceLanguageValue, l.workspaceFolderLanguageValue];
  const offByWorkspace = workspace.includes(false);
  return { enabled: user === true && !offByWorkspace, offByWorkspace, user: user === true };
}

/** Why no request is made for this document, or undefined when one may be. */
export function skipReason(state: EnabledState, languageId: string, options: InlineOptions): string | undefined {
  if (!state.enabled) {
    return state.offByWorkspace
      ? 'inline completion is off in this workspace\'s settings'
      : 'inline completion is off (auro.inlineCompletion.enabled)';
  }
  if (options.disabledLanguages.includes(languageId)) {
    return `inline completion is off for ${languageId} (auro.inlineCompletionDisabledLanguages)`;
  }
  return undefined;
}

// ---------------------------------------------------------------- answers

/** The cursor and its line, as the document has it when the editor asks. */
export interface Cursor {
  uri: string;
  line: number;
  character: number;
  /** The line's text before the cursor. */
  before: string;
  /** The line's text after the cursor. */
  after: string;
}

export interface MappedItems {
  items: InlineItem[];
  /** Items the editor cannot show: empty text, or a range off the cursor's line. */
  dropped: number;
}

/**
 * The server's items the editor can show. VS Code needs a range on one line that holds
 * the cursor; anything else would be placed somewhere the server did not mean.
 */
export function toItems(result: InlineCompletionResult, cursor: Cursor): MappedItems {
  const items = result.items.filter(({ insertText, range }) => {
    const { start, end } = range;
    return (
      insertText.length > 0 &&
      start.line === cursor.line &&
      end.line === cursor.line &&
      start.character <= cursor.character &&
      cursor.character <= end.character
    );
  });
  return { items, dropped: result.items.length - items.length };
}

interface Remembered {
  cursor: Cursor;
  items: InlineItem[];
}

/**
 * The last answer, re-offered while the user types what it suggests: the item keeps its
 * text and its range grows over the typed characters, so typing through a suggestion
 * makes no request (and no debounce wait). Deleting back to where it was asked still hits.
 */
export class TypedThroughCache {
  private last: Remembered | undefined;

  remember(cursor: Cursor, items: InlineItem[]): void {
    // only items ending at the cursor can grow with typing
    const kept = items.filter((i) => i.range.end.line === cursor.line && i.range.end.character === cursor.character);
    this.last = kept.length ? { cursor, items: kept } : undefined;
  }

  lookup(cursor: Cursor): InlineItem[] | undefined {
    const last = this.last;
    if (!last || last.cursor.uri !== cursor.uri || last.cursor.line !== cursor.line) return undefined;
    if (cursor.after !== last.cursor.after || !cursor.before.startsWith(last.cursor.before)) return undefined;
    const items = last.items
      .filter((i) => {
        const typed = cursor.before.slice(i.range.start.character);
        return i.insertText.startsWith(typed) && i.insertText.length > typed.length;
      })
      .map((i) => ({
        insertText: i.insertText,
        range: { start: i.range.start, end: { line: cursor.line, character: cursor.character } },
      }));
    return items.length ? items : undefined;
  }

  clear(): void {
    this.last = undefined;
  }
}

// ---------------------------------------------------------------- debounce

/** The part of a cancellation token the debounce needs (VS Code's fits). */
export interface Cancellable {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Waits `ms` unless cancelled first: true when the wait ran out (ask now), false when the
 * token was cancelled (the user typed on; the editor asks again for the new position).
 */
export function debounce(ms: number, token: Cancellable, timers: Timers = realTimers): Promise<boolean> {
  if (token.isCancellationRequested) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    let sub: { dispose(): void } | undefined;
    const handle = timers.set(() => {
      sub?.dispose();
      resolve(!token.isCancellationRequested);
    }, ms);
    sub = token.onCancellationRequested(() => {
      timers.clear(handle);
      sub?.dispose();
      resolve(false);
    });
  });
}

// ---------------------------------------------------------------- one request

/** What the last request for a suggestion ended with (the status bar tooltip shows it). */
export interface LastOutcome {
  items: number;
  provider: string | null;
  /** Answered from the server's cache. */
  cached: boolean;
  /** Answered by the extension's typed-through cache, without a request. */
  local: boolean;
  contextFiles: string[];
  notes: string[];
  /** Items dropped because the editor cannot show them. */
  dropped: number;
  /** The request failed (not cancelled). */
  error?: string;
}

export interface Suggestion {
  items: InlineItem[];
  outcome: LastOutcome;
}

export interface SuggestInput {
  /** The cursor; its `uri` is the document's URI as the server knows it. */
  cursor: Cursor;
  trigger: Trigger;
  debounceMs: number;
  token: Cancellable;
}

export interface SuggestDeps {
  /** Sends `auro/inlineCompletion`; cancelling the token must cancel the request ($/cancelRequest). */
  send(params: InlineCompletionParams, token: Cancellable): Promise<unknown>;
  cache: TypedThroughCache;
  timers?: Timers;
}

function failed(error: string): Suggestion {
  const outcome = { items: 0, provider: null, cached: false, local: false, contextFiles: [], notes: [], dropped: 0, error };
  return { items: [], outcome };
}

/**
 * One suggestion at the cursor, or undefined when the user typed on first (the token was
 * cancelled: during the debounce no request is sent; during the request it is cancelled).
 * Typing through the last suggestion is answered from the cache; an invoked request always
 * asks the server (it spends more context and time) and skips the debounce.
 */
export async function suggest(input: SuggestInput, deps: SuggestDeps): Promise<Suggestion | undefined> {
  const { cursor, trigger, token } = input;
  if (trigger === 'automatic') {
    const typedThrough = deps.cache.lookup(cursor);
    if (typedThrough) {
      const outcome = { items: typedThrough.length, provider: null, cached: true, local: true, contextFiles: [], notes: [], dropped: 0 };
      return { items: typedThrough, outcome };
    }
    if (!(await debounce(input.debounceMs, token, deps.timers))) return undefined;
  }
  let raw: unknown;
  try {
    raw = await deps.send(inlineParams(cursor.uri, cursor, trigger), token);
  } catch (err) {
    if (token.isCancellationRequested) return undefined;
    return failed(err instanceof Error ? err.message : String(err));
  }
  if (token.isCancellationRequested) return undefined;
  const result = parseInlineCompletionResult(raw);
  if (!result) return failed(`malformed ${Methods.inlineCompletion} answer`);
  const { items, dropped } = toItems(result, cursor);
  deps.cache.remember(cursor, items);
  const { provider, cached, contextFiles, notes } = result;
  return { items, outcome: { items: items.length, provider, cached, local: false, contextFiles, notes, dropped } };
}
