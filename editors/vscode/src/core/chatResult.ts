/**
 * Validates the `auro/chat` response and turns its citations (code or web) into what the
 * chat view shows and what a click opens. Pure: no `vscode` import.
 */

import { ChatResult, Range, isObject, isRange } from './protocol';
import { CitationView, citationLabel } from './webviewProtocol';

export type CitationTarget = { kind: 'code'; uri: string; range?: Range } | { kind: 'web'; url: string };

export interface NormalizedCitation {
  view: CitationView;
  target: CitationTarget;
}

function optStr(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** The response with safe defaults; `sessionId` falls back to the one the request used. */
export function parseChatResult(raw: unknown, fallbackSessionId = ''): ChatResult {
  const r = isObject(raw) ? raw : {};
  const out: ChatResult = {
    sessionId: optStr(r.sessionId) ?? fallbackSessionId,
    text: typeof r.text === 'string' ? r.text : '',
    citations: Array.isArray(r.citations) ? (r.citations as ChatResult['citations']) : [],
    usage: r.usage,
    provider: optStr(r.provider) ?? null,
  };
  const status = optStr(r.status);
  const error = optStr(r.error);
  const model = optStr(r.model);
  if (status) out.status = status;
  if (error) out.error = error;
  if (model) out.model = model;
  if (r.truncated === true) out.truncated = true;
  const notices = Array.isArray(r.notices) ? r.notices.filter((n): n is string => typeof n === 'string' && n.length > 0) : [];
  if (notices.length) out.notices = notices;
  return out;
}

const WEB = /^https?:\/\//i;

/** Code citations (`{uri, range, symbol, path}`) and web citations (`{url, title}`); others are dropped. */
export function normalizeCitations(raw: unknown, root?: string): NormalizedCitation[] {
  if (!Array.isArray(raw)) return [];
  const out: NormalizedCitation[] = [];
  for (const c of raw) {
    if (!isObject(c)) continue;
    if (typeof c.uri === 'string' && c.uri.length > 0) {
      const range = isRange(c.range) ? c.range : undefined;
      const symbol = typeof c.symbol === 'string' ? c.symbol : undefined;
      // the server's workspace-relative `path` when it sent one, else the URI made relative
      const shown = typeof c.path === 'string' && c.path.length > 0 ? c.path : c.uri;
      const view: CitationView = { label: citationLabel(shown, range, symbol, root), uri: c.uri };
      const target: CitationTarget = { kind: 'code', uri: c.uri };
      if (range) {
        view.range = range;
        target.range = range;
      }
      out.push({ view, target });
    } else if (typeof c.url === 'string' && WEB.test(c.url)) {
      const title = typeof c.title === 'string' && c.title.trim() ? c.title.trim() : c.url;
      out.push({ view: { label: `🌐 ${title}`, uri: c.url }, target: { kind: 'web', url: c.url } });
    }
  }
  return out;
}

/** A meta line under an answer: provider/model, a non-ok status, and a cut-off answer. */
export function answerMeta(result: ChatResult): string {
  const parts: string[] = [];
  if (result.provider) parts.push(result.model ? `${result.provider} · ${result.model}` : result.provider);
  if (result.status && !['ok', 'complete', 'completed'].includes(result.status)) parts.push(result.status);
  if (result.truncated) parts.push('cut off');
  return parts.join(' · ');
}
