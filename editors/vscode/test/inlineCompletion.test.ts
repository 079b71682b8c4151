import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  Cursor,
  EnabledState,
  TypedThroughCache,
  debounce,
  enabledState,
  inlineOptions,
  inlineParams,
  skipReason,
  toItems,
} from '../src/core/inlineCompletion';
import { formatInlineStatus } from '../src/core/inlineStatusText';
import { InlineCompletionResult, InlineItem, parseInlineCompletionResult } from '../src/core/protocol';
import { Timers } from '../src/core/searchItems';

const URI = 'file:///w/a.py';

function cursor(before: string, after = '', line = 3, uri = URI): Cursor {
  return { uri, line, character: before.length, before, after };
}

function at(line: number, from: number, to = from): InlineItem['range'] {
  return { start: { line, character: from }, end: { line, character: to } };
}

function result(items: InlineItem[], extra: Partial<InlineCompletionResult> = {}): InlineCompletionResult {
  return { items, provider: 'llamacpp', cached: false, multiline: false, contextFiles: [], notes: [], ...extra };
}

/** Timers the test fires by hand. */
class ManualTimers implements Timers {
  pending = new Map<number, () => void>();
  private next = 0;
  set(fn: () => void): unknown {
    this.next += 1;
    this.pending.set(this.next, fn);
    return this.next;
  }
  clear(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  fireAll(): void {
    const fns = [...this.pending.values()];
    this.pending.clear();
    for (const fn of fns) fn();
  }
}

/** A cancellation token with the shape VS Code's and vscode-jsonrpc's have. */
class Token {
  isCancellationRequested = false;
  private listeners = new Set<() => void>();
  onCancellationRequested(listener: () => void) {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }
  cancel(): void {
    this.isCancellationRequested = true;
    for (const l of [...this.listeners]) l();
  }
  get listening(): number {
    return this.listeners.size;
  }
}

describe('the auro/inlineCompletion request', () => {
  it('passes the trigger kind as LSP numbers it (1 invoked, 2 automatic)', () => {
    assert.deepEqual(inlineParams(URI, { line: 4, character: 7 }, 'automatic'), {
      textDocument: { uri: URI },
      position: { line: 4, character: 7 },
      context: { triggerKind: 2 },
    });
    assert.equal(inlineParams(URI, { line: 0, character: 0 }, 'invoked').context?.triggerKind, 1);
  });

  it('parses the answer, dropping malformed items and defaulting missing details', () => {
    const parsed = parseInlineCompletionResult({
      items: [{ insertText: 'x + 1', range: at(3, 4) }, { insertText: 5, range: at(3, 4) }, { insertText: 'y' }],
      provider: 'llamacpp',
      cached: true,
      multiline: false,
      contextFiles: ['b.py', 7],
      notes: ['index chunks left out of the budget'],
    });
    assert.deepEqual(parsed, {
      items: [{ insertText: 'x + 1', range: at(3, 4) }],
      provider: 'llamacpp',
      cached: true,
      multiline: false,
      contextFiles: ['b.py'],
      notes: ['index chunks left out of the budget'],
    });
    assert.deepEqual(parseInlineCompletionResult({ items: [] }), {
      items: [],
      provider: null,
      cached: false,
      multiline: false,
      contextFiles: [],
      notes: [],
    });
    assert.equal(parseInlineCompletionResult({ notes: ['x'] }), undefined);
    assert.equal(parseInlineCompletionResult(null), undefined);
  });
});

describe('answer → editor items', () => {
  it('keeps items on the cursor line whose range holds the cursor', () => {
    const here = cursor('    return ');
    const mapped = toItems(
      result([
        { insertText: 'a + b', range: at(3, 11) },
        { insertText: 'return a', range: at(3, 4, 11) }, // replaces the typed word
        { insertText: 'a', range: at(4, 0) }, // another line
        { insertText: 'a', range: { start: { line: 3, character: 11 }, end: { line: 4, character: 0 } } },
        { insertText: 'a', range: at(3, 12, 14) }, // after the cursor
        { insertText: '', range: at(3, 11) },
      ]),
      here,
    );
    assert.deepEqual(mapped.items, [
      { insertText: 'a + b', range: at(3, 11) },
      { insertText: 'return a', range: at(3, 4, 11) },
    ]);
    assert.equal(mapped.dropped, 4);
  });
});

describe('typed-through cache', () => {
  it('re-offers the suggestion while the user types it, growing the range', () => {
    const cache = new TypedThroughCache();
    cache.remember(cursor('x = fo', ')'), [{ insertText: 'o(bar', range: at(3, 6) }]);
    assert.deepEqual(cache.lookup(cursor('x = foo(', ')')), [{ insertText: 'o(bar', range: at(3, 6, 8) }]);
    // deleting back to where it was asked still hits
    assert.deepEqual(cache.lookup(cursor('x = fo', ')')), [{ insertText: 'o(bar', range: at(3, 6) }]);
  });

  it('misses when the typing leaves the suggestion or its place', () => {
    const cache = new TypedThroughCache();
    cache.remember(cursor('x = fo', ')'), [{ insertText: 'o(bar', range: at(3, 6) }]);
    assert.equal(cache.lookup(cursor('x = fox', ')')), undefined); // typed something else
    assert.equal(cache.lookup(cursor('x = foo(bar', ')')), undefined); // typed it all
    assert.equal(cache.lookup(cursor('x = f', ')')), undefined); // deleted before it
    assert.equal(cache.lookup(cursor('x = foo', '')), undefined); // the rest of the line changed
    assert.equal(cache.lookup(cursor('x = foo', ')', 4)), undefined); // another line
    assert.equal(cache.lookup(cursor('x = foo', ')', 3, 'file:///w/b.py')), undefined);
    cache.clear();
    assert.equal(cache.lookup(cursor('x = fo', ')')), undefined);
  });

  it('does not keep items that end after the cursor (they cannot grow with typing)', () => {
    const cache = new TypedThroughCache();
    cache.remember(cursor('x = '), [{ insertText: 'foo()', range: at(3, 4, 6) }]);
    assert.equal(cache.lookup(cursor('x = ')), undefined);
  });
});

describe('toggle and languages', () => {
  it('is on by default and off when the user turns it off', () => {
    assert.deepEqual(enabledState(undefined), { enabled: true, offByWorkspace: false, user: true });
    assert.deepEqual(enabledState({ defaultValue: true, globalValue: false }), { enabled: false, offByWorkspace: false, user: false });
  });

  it('lets a workspace turn it off but never on', () => {
    assert.deepEqual(enabledState({ defaultValue: true, workspaceValue: false }), { enabled: false, offByWorkspace: true, user: true });
    assert.deepEqual(enabledState({ defaultValue: true, workspaceFolderLanguageValue: false }).enabled, false);
    assert.deepEqual(enabledState({ defaultValue: true, globalValue: false, workspaceValue: true }), {
      enabled: false,
      offByWorkspace: false,
      user: false,
    });
  });

  it('uses the user\'s language override over the global value', () => {
    assert.equal(enabledState({ defaultValue: true, globalValue: true, globalLanguageValue: false }).enabled, false);
    assert.equal(enabledState({ defaultValue: true, globalValue: false, globalLanguageValue: true }).enabled, true);
  });

  it('says why no request is made', () => {
    const on: EnabledState = { enabled: true, offByWorkspace: false, user: true };
    const options = inlineOptions({ disabledLanguages: ['markdown'] });
    assert.equal(skipReason(on, 'python', options), undefined);
    assert.match(skipReason(on, 'markdown', options) ?? '', /off for markdown/);
    assert.match(skipReason({ enabled: false, offByWorkspace: true, user: true }, 'python', options) ?? '', /workspace/);
    assert.match(skipReason({ enabled: false, offByWorkspace: false, user: false }, 'python', options) ?? '', /auro\.inlineCompletion\.enabled/);
  });

  it('reads the options, clamping a bad debounce and taking the server\'s comma-separated form', () => {
    assert.deepEqual(inlineOptions({}), { debounceMs: 150, disabledLanguages: [] });
    assert.deepEqual(inlineOptions({ debounceMs: -5, disabledLanguages: null }), { debounceMs: 150, disabledLanguages: [] });
    assert.deepEqual(inlineOptions({ debounceMs: 60_000 }).debounceMs, 2000);
    assert.deepEqual(inlineOptions({ debounceMs: 0, disabledLanguages: ' markdown, plaintext ,' }), {
      debounceMs: 0,
      disabledLanguages: ['markdown', 'plaintext'],
    });
    assert.deepEqual(inlineOptions({ disabledLanguages: ['go', 3, ''] }).disabledLanguages, ['go']);
  });
});

describe('debounce', () => {
  it('asks once the pause runs out', async () => {
    const timers = new ManualTimers();
    const token = new Token();
    const waited = debounce(150, token, timers);
    assert.equal(timers.pending.size, 1);
    timers.fireAll();
    assert.equal(await waited, true);
    assert.equal(token.listening, 0);
  });

  it('gives up at once when the user types on, clearing its timer', async () => {
    const timers = new ManualTimers();
    const token = new Token();
    const waited = debounce(150, token, timers);
    token.cancel();
    assert.equal(await waited, false);
    assert.equal(timers.pending.size, 0);
    assert.equal(token.listening, 0);
  });

  it('does not wait for a cancelled token or a zero pause', async () => {
    const timers = new ManualTimers();
    const cancelled = new Token();
    cancelled.cancel();
    assert.equal(await debounce(150, cancelled, timers), false);
    assert.equal(await debounce(0, new Token(), timers), true);
    assert.equal(timers.pending.size, 0);
  });
});

describe('status bar toggle', () => {
  const on: EnabledState = { enabled: true, offByWorkspace: false, user: true };
  const base = { items: 1, provider: 'llamacpp', cached: false, local: false, contextFiles: [], notes: [], dropped: 0 };

  it('shows off, and where it was turned off', () => {
    const off = formatInlineStatus({ state: { enabled: false, offByWorkspace: false, user: false }, clientRunning: true });
    assert.equal(off.text, '$(circle-slash) Inline');
    assert.match(off.tooltip, /Click to turn it on/);
    const byWorkspace = formatInlineStatus({ state: { enabled: false, offByWorkspace: true, user: true }, clientRunning: true });
    assert.match(byWorkspace.tooltip, /off in this workspace's settings/);
  });

  it('describes the last suggestion: provider, cache, context', () => {
    const view = formatInlineStatus({ state: on, clientRunning: true, last: { ...base, cached: true, contextFiles: ['b.py', 'c.py'] } });
    assert.equal(view.text, '$(sparkle) Inline');
    assert.match(view.tooltip, /Last suggestion: llamacpp \(cached\), context from 2 other file\(s\)/);
    const local = formatInlineStatus({ state: on, clientRunning: true, last: { ...base, provider: null, cached: true, local: true } });
    assert.match(local.tooltip, /typed-through cache/);
  });

  it('warns with the server\'s notes when nothing could come', () => {
    const notes = ['no FIM provider configured (LLAMACPP_SERVER_URL or OPENAI_BASE_URL)'];
    const view = formatInlineStatus({ state: on, clientRunning: true, last: { ...base, items: 0, provider: null, notes } });
    assert.equal(view.text, '$(warning) Inline');
    assert.match(view.tooltip, /no suggestion\n• no FIM provider configured/);
    const failed = formatInlineStatus({ state: on, clientRunning: true, last: { ...base, items: 0, error: 'boom' } });
    assert.equal(failed.text, '$(warning) Inline');
    assert.match(failed.tooltip, /Last request failed: boom/);
    const down = formatInlineStatus({ state: on, clientRunning: false });
    assert.match(down.tooltip, /not running/);
  });

  it('a model that had nothing to add is no warning; a language turned off is shown', () => {
    const empty = formatInlineStatus({ state: on, clientRunning: true, last: { ...base, items: 0 } });
    assert.equal(empty.text, '$(sparkle) Inline');
    const skipped = formatInlineStatus({ state: on, clientRunning: true, skip: 'inline completion is off for markdown' });
    assert.equal(skipped.text, '$(circle-slash) Inline');
    assert.match(skipped.tooltip, /off for markdown/);
  });
});
