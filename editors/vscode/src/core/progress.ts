/**
 * Tracks the server's work-done progress (`$/progress` begin/report/end) per token so the
 * status bar can show the newest active one. Pure: no `vscode` import.
 */

import { isObject } from './protocol';
import { Progress } from './statusText';

export class ProgressTracker {
  private readonly active = new Map<string, Progress>();

  /** Applies one `$/progress` value; returns whether anything changed. */
  update(token: string | number, value: unknown): boolean {
    const key = String(token);
    if (!isObject(value) || typeof value.kind !== 'string') return false;
    const message = typeof value.message === 'string' ? value.message : undefined;
    const percentage = typeof value.percentage === 'number' && Number.isFinite(value.percentage) ? value.percentage : undefined;
    switch (value.kind) {
      case 'begin': {
        const p: Progress = {};
        if (typeof value.title === 'string') p.title = value.title;
        if (message !== undefined) p.message = message;
        if (percentage !== undefined) p.percentage = percentage;
        this.active.delete(key);
        this.active.set(key, p);
        return true;
      }
      case 'report': {
        const p = this.active.get(key);
        if (!p) return false;
        if (message !== undefined) p.message = message;
        if (percentage !== undefined) p.percentage = percentage;
        return true;
      }
      case 'end':
        return this.active.delete(key);
      default:
        return false;
    }
  }

  /** The most recently begun active progress. */
  current(): Progress | undefined {
    let last: Progress | undefined;
    for (const p of this.active.values()) last = p;
    return last ? { ...last } : undefined;
  }

  get size(): number {
    return this.active.size;
  }

  clear(): void {
    this.active.clear();
  }
}
