/**
 * The provider's request flow (`suggest`) over a real JSON-RPC connection, as
 * vscode-languageclient sends it: the server side is a vscode-jsonrpc connection that
 * answers `auro/inlineCompletion` the way server/lsp/features/inline_completion.py does
 * and records what reaches it, cancellations included.
 */

import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  CancellationToken,
  CancellationTokenSource,
  MessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  createMessageConnection,
} from 'vscode-jsonrpc/node';

import { Cursor, SuggestDeps, TypedThroughCache, suggest } from '../src/core/inlineCompletion';
import { InlineCompletionParams, Methods } from '../src/core/protocol';

interface Seen {
  params: InlineCompletionParams;
  cancelled: boolean;
}

/** Answers with `answer`, or holds the request until it is cancelled when `hold` is set. */
class FakeServer {
  seen: Seen[] = [];
  hold = false;
  answer: unknown = undefined;
  private cancelledWaiters: (() => void)[] = [];

  handle(params: InlineCompletionParams, token: CancellationToken): Promise<unknown> {
    const entry: Seen = { params, cancelled: false };
    this.seen.push(entry);
    return new Promise((resolve) => {
      token.onCancellationRequested(() => {
        entry.cancelled = true;
        for (const w of this.cancelledWaiters.splice(0)) w();
        resolve({ items: [], provider: null, cached: false, multiline: false, contextFiles: [], notes: ['cancelled'] });
      });
      if (!this.hold) resolve(this.answer);
    });
  }

  whenCancelled(): Promise<void> {
    return new Promise((resolve) => this.cancelledWaiters.push(resolve));
  }
}

function answer(text: string, position: { line: number; character: number }, extra: object = {}) {
  return {
    items: [{ insertText: text, range: { start: position, end: position } }],
    provider: 'llamacpp',
    cached: false,
    multiline: false,
    contextFiles: ['lib/util.py'],
    notes: [],
    ...extra,
  };
}

function cursorAt(before: string, after = ''): Cursor {
  return { uri: 'file:///w/a.py', line: 2, character: before.length, before, after };
}

describe('suggest over JSON-RPC', () => {
  let client: MessageConnection;
  let server: MessageConnection;
  let fake: FakeServer;
  let deps: SuggestDeps;

  beforeEach(() => {
    const up = new PassThrough();
    const down = new PassThrough();
    client = createMessageConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
    server = createMessageConnection(new StreamMessageReader(up), new StreamMessageWriter(down));
    fake = new FakeServer();
    server.onRequest(Methods.inlineCompletion, (params: InlineCompletionParams, token) => fake.handle(params, token));
    server.listen();
    client.listen();
    deps = {
      send: (params, token) => client.sendRequest(Methods.inlineCompletion, params, token as CancellationToken),
      cache: new TypedThroughCache(),
    };
  });

  afterEach(() => {
    client.dispose();
    server.dispose();
  });

  it('sends the position and trigger kind, and maps the answer to items with their range', async () => {
    const here = cursorAt('def add(a, b): return ');
    fake.answer = answer('a + b', { line: 2, character: here.character });
    const got = await suggest({ cursor: here, trigger: 'automatic', debounceMs: 1, token: new CancellationTokenSource().token }, deps);
    assert.deepEqual(fake.seen.map((s) => s.params), [
      { textDocument: { uri: 'file:///w/a.py' }, position: { line: 2, character: here.character }, context: { triggerKind: 2 } },
    ]);
    assert.deepEqual(got?.items, [{ insertText: 'a + b', range: { start: { line: 2, character: 22 }, end: { line: 2, character: 22 } } }]);
    assert.deepEqual(got?.outcome, {
      items: 1,
      provider: 'llamacpp',
      cached: false,
      local: false,
      contextFiles: ['lib/util.py'],
      notes: [],
      dropped: 0,
    });
  });

  it('cancelling the token sends $/cancelRequest: the server sees its request cancelled', async () => {
    fake.hold = true;
    const source = new CancellationTokenSource();
    const pending = suggest({ cursor: cursorAt('x = '), trigger: 'invoked', debounceMs: 1000, token: source.token }, deps);
    while (fake.seen.length === 0) await new Promise((r) => setImmediate(r)); // invoked: no debounce
    const cancelled = fake.whenCancelled();
    source.cancel();
    await cancelled;
    assert.equal(await pending, undefined);
    assert.equal(fake.seen.length, 1);
    assert.equal(fake.seen[0].cancelled, true);
    assert.equal(fake.seen[0].params.context?.triggerKind, 1);
  });

  it('a keystroke during the debounce sends nothing', async () => {
    const source = new CancellationTokenSource();
    const pending = suggest({ cursor: cursorAt('x = '), trigger: 'automatic', debounceMs: 10_000, token: source.token }, deps);
    source.cancel();
    assert.equal(await pending, undefined);
    assert.equal(fake.seen.length, 0);
  });

  it('typing through a suggestion makes no request; an invoked request always asks', async () => {
    fake.answer = answer('oo(bar)', { line: 2, character: 5 });
    const token = new CancellationTokenSource().token;
    await suggest({ cursor: cursorAt('x = f'), trigger: 'automatic', debounceMs: 0, token }, deps);
    const typed = await suggest({ cursor: cursorAt('x = foo'), trigger: 'automatic', debounceMs: 0, token }, deps);
    assert.equal(fake.seen.length, 1);
    assert.deepEqual(typed?.items, [{ insertText: 'oo(bar)', range: { start: { line: 2, character: 5 }, end: { line: 2, character: 7 } } }]);
    assert.equal(typed?.outcome.local, true);
    fake.answer = answer('oo(baz)', { line: 2, character: 7 });
    await suggest({ cursor: cursorAt('x = foo'), trigger: 'invoked', debounceMs: 0, token }, deps);
    assert.equal(fake.seen.length, 2);
  });

  it('reports a failed request and a malformed answer instead of showing nothing silently', async () => {
    server.onRequest(Methods.inlineCompletion, () => {
      throw new Error('no such document');
    });
    const token = new CancellationTokenSource().token;
    const failed = await suggest({ cursor: cursorAt('x'), trigger: 'invoked', debounceMs: 0, token }, deps);
    assert.deepEqual(failed?.items, []);
    assert.match(failed?.outcome.error ?? '', /no such document/);
    server.onRequest(Methods.inlineCompletion, () => ({ text: 'not the shape' }));
    const malformed = await suggest({ cursor: cursorAt('x'), trigger: 'invoked', debounceMs: 0, token }, deps);
    assert.equal(malformed?.outcome.error, 'malformed auro/inlineCompletion answer');
  });

  it('passes the server\'s notes through when nothing came', async () => {
    fake.answer = { items: [], provider: null, cached: false, multiline: false, contextFiles: [], notes: ['inline completion is off for markdown'] };
    const got = await suggest({ cursor: cursorAt('# t'), trigger: 'invoked', debounceMs: 0, token: new CancellationTokenSource().token }, deps);
    assert.deepEqual(got?.items, []);
    assert.deepEqual(got?.outcome.notes, ['inline completion is off for markdown']);
  });
});
