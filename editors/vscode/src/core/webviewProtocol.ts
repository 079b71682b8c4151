/**
 * Typed messages between the extension and the chat webview, with validators for both
 * directions (a webview message is untrusted input). Pure: no `vscode` import.
 */

import { Range, isObject, isRange } from './protocol';

export const MAX_MESSAGE_CHARS = 100_000;

export interface CitationView {
  label: string;
  uri: string;
  range?: Range;
}

/** Extension → webview. */
export type ToWebview =
  | { type: 'reset'; sessionId?: string }
  | { type: 'user'; requestId: string; text: string }
  | { type: 'delta'; requestId: string; delta: string }
  | {
      type: 'done';
      requestId: string;
      text: string;
      citations: CitationView[];
      provider?: string;
      /** What the user must know about the answer (cut or left-out context, truncation). */
      notices?: string[];
    }
  | { type: 'cancelled'; requestId: string; text: string }
  | { type: 'error'; requestId?: string; message: string }
  | { type: 'busy'; busy: boolean };

/** Webview → extension. */
export type FromWebview =
  | { type: 'ready' }
  | { type: 'send'; text: string }
  | { type: 'stop' }
  | { type: 'newSession' }
  | { type: 'openCitation'; requestId: string; index: number };

function isStr(v: unknown, max = MAX_MESSAGE_CHARS): v is string {
  return typeof v === 'string' && v.length <= max;
}

function isId(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= 200;
}

/** A validated webview → extension message, or undefined. Unknown fields are dropped. */
export function parseFromWebview(raw: unknown): FromWebview | undefined {
  if (!isObject(raw) || typeof raw.type !== 'string') return undefined;
  switch (raw.type) {
    case 'ready':
    case 'stop':
    case 'newSession':
      return { type: raw.type };
    case 'send':
      if (!isStr(raw.text) || raw.text.trim().length === 0) return undefined;
      return { type: 'send', text: raw.text };
    case 'openCitation':
      if (!isId(raw.requestId)) return undefined;
      if (typeof raw.index !== 'number' || !Number.isInteger(raw.index) || raw.index < 0 || raw.index > 10_000) {
        return undefined;
      }
      return { type: 'openCitation', requestId: raw.requestId, index: raw.index };
    default:
      return undefined;
  }
}

function isCitation(v: unknown): v is CitationView {
  return isObject(v) && isStr(v.label, 1000) && isStr(v.uri, 10_000) && (v.range === undefined || isRange(v.range));
}

/** A validated extension → webview message, or undefined (used inside the webview). */
export function parseToWebview(raw: unknown): ToWebview | undefined {
  if (!isObject(raw) || typeof raw.type !== 'string') return undefined;
  switch (raw.type) {
    case 'reset':
      if (raw.sessionId !== undefined && !isId(raw.sessionId)) return undefined;
      return raw.sessionId === undefined ? { type: 'reset' } : { type: 'reset', sessionId: raw.sessionId };
    case 'user':
      return isId(raw.requestId) && typeof raw.text === 'string'
        ? { type: 'user', requestId: raw.requestId, text: raw.text }
        : undefined;
    case 'delta':
      return isId(raw.requestId) && typeof raw.delta === 'string'
        ? { type: 'delta', requestId: raw.requestId, delta: raw.delta }
        : undefined;
    case 'done': {
      if (!isId(raw.requestId) || typeof raw.text !== 'string' || !Array.isArray(raw.citations)) return undefined;
      if (!raw.citations.every(isCitation)) return undefined;
      const msg: ToWebview = { type: 'done', requestId: raw.requestId, text: raw.text, citations: raw.citations };
      if (typeof raw.provider === 'string') msg.provider = raw.provider;
      if (raw.notices !== undefined) {
        if (!Array.isArray(raw.notices) || !raw.notices.every((n) => isStr(n, 10_000))) return undefined;
        msg.notices = raw.notices;
      }
      return msg;
    }
    case 'cancelled':
      return isId(raw.requestId) && typeof raw.text === 'string'
        ? { type: 'cancelled', requestId: raw.requestId, text: raw.text }
        : undefined;
    case 'error': {
      if (typeof raw.message !== 'string') return undefined;
      if (raw.requestId !== undefined && !isId(raw.requestId)) return undefined;
      return raw.requestId === undefined
        ? { type: 'error', message: raw.message }
        : { type: 'error', requestId: raw.requestId, message: raw.message };
    }
    case 'busy':
      return typeof raw.busy === 'boolean' ? { type: 'busy', busy: raw.busy } : undefined;
    default:
      return undefined;
  }
}

/** Citation label as shown in the chat: `path:line (symbol)`; the path relative to `root` when inside it. */
export function citationLabel(uri: string, range: Range | undefined, symbol: string | null | undefined, root?: string): string {
  let path = uri;
  if (path.startsWith('file://')) {
    try {
      path = decodeURIComponent(path.slice('file://'.length));
    } catch {
      path = path.slice('file://'.length);
    }
  }
  if (root) {
    const base = root.endsWith('/') ? root : root + '/';
    if (path.startsWith(base)) path = path.slice(base.length);
  }
  const line = range ? `:${range.start.line + 1}` : '';
  return `${path}${line}${symbol ? ` (${symbol})` : ''}`;
}
