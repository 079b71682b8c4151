/**
 * `auro/search` results → QuickPick items, plus the debounce and "latest query wins"
 * logic of the live search box. Pure: no `vscode` import.
 */

import { Range, SearchHit, isLocation, isObject } from './protocol';

export interface SearchPickItem {
  label: string;
  description: string;
  detail: string;
  target: SearchTarget;
}

/** Where accepting an item goes: a URI (preferred) or a path relative to the workspace. */
export interface SearchTarget {
  uri?: string;
  path?: string;
  range: Range;
}

const MAX_DETAIL = 160;

function basename(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

/** The first non-blank snippet line, whitespace-collapsed and shortened. */
export function snippetPreview(snippet: string | undefined, max = MAX_DETAIL): string {
  if (!snippet) return '';
  const line = snippet.split(/\r?\n/).find((l) => l.trim().length > 0) ?? '';
  const flat = line.trim().replace(/\s+/g, ' ');
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

export function resultTarget(result: SearchHit): SearchTarget {
  if (isLocation(result.location)) {
    return { uri: result.location.uri, range: result.location.range };
  }
  // startLine / endLine are 1-based in the server's results.
  const start = Math.max(0, (result.startLine ?? 1) - 1);
  const end = Math.max(start, (result.endLine ?? result.startLine ?? 1) - 1);
  return { path: result.path, range: { start: { line: start, character: 0 }, end: { line: end, character: 0 } } };
}

export function toPickItem(result: SearchHit): SearchPickItem {
  const lines =
    result.endLine && result.endLine !== result.startLine
      ? `${result.startLine}-${result.endLine}`
      : `${result.startLine}`;
  const name = basename(result.path);
  const label = result.symbol ? `$(symbol-misc) ${result.symbol}` : `$(file) ${name}:${result.startLine}`;
  const meta = [result.language, typeof result.score === 'number' ? result.score.toFixed(3) : undefined]
    .filter(Boolean)
    .join(' · ');
  return {
    label,
    description: `${result.path}:${lines}${meta ? `  ${meta}` : ''}`,
    detail: snippetPreview(result.snippet),
    target: resultTarget(result),
  };
}

/** Validates the raw `auro/search` response and maps its results. */
export function toPickItems(response: unknown): SearchPickItem[] {
  if (!isObject(response) || !Array.isArray(response.results)) return [];
  return response.results
    .filter(
      (r): r is SearchHit =>
        isObject(r) && typeof r.path === 'string' && typeof r.startLine === 'number',
    )
    .map(toPickItem);
}

/**
 * Hands out a sequence number per query; only the newest query's response is applied,
 * so a slow old response never overwrites newer results.
 */
export class LatestOnly {
  private seq = 0;
  next(): number {
    this.seq += 1;
    return this.seq;
  }
  isLatest(ticket: number): boolean {
    return ticket === this.seq;
  }
  /** Invalidate every outstanding ticket (the picker closed). */
  reset(): void {
    this.seq += 1;
  }
}

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Calls `fn` with the last value once `ms` have passed without a new call. */
export class Debouncer<T> {
  private handle: unknown;
  private armed = false;

  constructor(
    private readonly ms: number,
    private readonly fn: (value: T) => void,
    private readonly timers: Timers = realTimers,
  ) {}

  push(value: T): void {
    this.cancel();
    this.armed = true;
    this.handle = this.timers.set(() => {
      this.armed = false;
      this.fn(value);
    }, this.ms);
  }

  cancel(): void {
    if (this.armed) this.timers.clear(this.handle);
    this.armed = false;
  }
}
