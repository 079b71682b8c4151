import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ChatRouter, ChunkAssembler, StreamEvent } from '../src/core/chatRouter';
import { ChatResult } from '../src/core/protocol';

function collect(): { events: StreamEvent[]; listener: (e: StreamEvent) => void } {
  const events: StreamEvent[] = [];
  return { events, listener: (e) => events.push(e) };
}

const result = (text: string, sessionId = 's1'): ChatResult => ({ sessionId, text, citations: [] });

describe('ChunkAssembler', () => {
  it('appends chunks that arrive in order', () => {
    const a = new ChunkAssembler();
    assert.equal(a.accept(0, 'Hel'), 'Hel');
    assert.equal(a.accept(1, 'lo'), 'lo');
    assert.equal(a.text, 'Hello');
  });

  it('buffers out-of-order chunks until the gap is filled', () => {
    const a = new ChunkAssembler();
    assert.equal(a.accept(2, 'c'), '');
    assert.equal(a.accept(1, 'b'), '');
    assert.equal(a.buffered, 2);
    assert.equal(a.accept(0, 'a'), 'abc');
    assert.equal(a.text, 'abc');
    assert.equal(a.buffered, 0);
  });

  it('ignores duplicates, both already assembled and still buffered', () => {
    const a = new ChunkAssembler();
    a.accept(0, 'a');
    assert.equal(a.accept(0, 'X'), '');
    a.accept(2, 'c');
    assert.equal(a.accept(2, 'Y'), '');
    assert.equal(a.accept(1, 'b'), 'bc');
    assert.equal(a.text, 'abc');
  });

  it('rejects non-integer and negative indexes', () => {
    const a = new ChunkAssembler();
    assert.equal(a.accept(-1, 'x'), '');
    assert.equal(a.accept(0.5, 'x'), '');
    assert.equal(a.text, '');
  });

  it('handles empty-text chunks without stalling', () => {
    const a = new ChunkAssembler();
    a.accept(0, '');
    assert.equal(a.accept(1, 'x'), 'x');
  });
});

describe('ChatRouter', () => {
  it('routes chunks by requestId to the right stream', () => {
    const r = new ChatRouter('t');
    const a = collect();
    const b = collect();
    r.begin('A', a.listener);
    r.begin('B', b.listener);
    assert.ok(r.handleChunk({ requestId: 'A', index: 0, text: 'a0' }));
    assert.ok(r.handleChunk({ requestId: 'B', index: 0, text: 'b0' }));
    assert.ok(r.handleChunk({ requestId: 'A', index: 1, text: 'a1' }));
    assert.equal(r.text('A'), 'a0a1');
    assert.equal(r.text('B'), 'b0');
    assert.deepEqual(
      a.events.map((e) => (e.kind === 'delta' ? e.delta : e.kind)),
      ['a0', 'a1'],
    );
  });

  it('emits one delta for chunks released together after a gap', () => {
    const r = new ChatRouter('t');
    const a = collect();
    r.begin('A', a.listener);
    r.handleChunk({ requestId: 'A', index: 1, text: ' world' });
    assert.equal(a.events.length, 0);
    r.handleChunk({ requestId: 'A', index: 0, text: 'hello' });
    assert.deepEqual(a.events, [{ kind: 'delta', delta: 'hello world', text: 'hello world' }]);
  });

  it('drops duplicate chunks', () => {
    const r = new ChatRouter('t');
    const a = collect();
    r.begin('A', a.listener);
    r.handleChunk({ requestId: 'A', index: 0, text: 'x' });
    r.handleChunk({ requestId: 'A', index: 0, text: 'x' });
    assert.equal(r.text('A'), 'x');
    assert.equal(a.events.length, 1);
  });

  it('the final response text is authoritative', () => {
    const r = new ChatRouter('t');
    const a = collect();
    r.begin('A', a.listener);
    r.handleChunk({ requestId: 'A', index: 0, text: 'Hel' });
    // chunk 1 never arrived
    const text = r.complete('A', result('Hello!'));
    assert.equal(text, 'Hello!');
    const last = a.events.at(-1);
    assert.equal(last?.kind, 'done');
    assert.equal(last?.kind === 'done' && last.result.text, 'Hello!');
    assert.equal(r.state('A'), 'done');
  });

  it('falls back to the streamed text when the response text is empty', () => {
    const r = new ChatRouter('t');
    const a = collect();
    r.begin('A', a.listener);
    r.handleChunk({ requestId: 'A', index: 0, text: 'streamed' });
    assert.equal(r.complete('A', result('')), 'streamed');
  });

  it('cancellation keeps the partial text and drops later chunks', () => {
    const r = new ChatRouter('t');
    const a = collect();
    r.begin('A', a.listener);
    r.handleChunk({ requestId: 'A', index: 0, text: 'partial' });
    r.cancel('A');
    assert.deepEqual(a.events.at(-1), { kind: 'cancelled', text: 'partial' });
    assert.equal(r.handleChunk({ requestId: 'A', index: 1, text: ' late' }), false);
    assert.equal(r.state('A'), 'cancelled');
    assert.equal(r.pendingCount, 0);
    assert.equal(a.events.length, 2);
    // completing after cancel is a no-op for the listener
    r.complete('A', result('whole'));
    assert.equal(a.events.length, 2);
  });

  it('a late chunk of a cancelled request is not bound to the next request', () => {
    const r = new ChatRouter('t');
    const a = collect();
    const b = collect();
    r.begin('A', a.listener);
    r.handleChunk({ requestId: '7', index: 0, text: 'a' }); // server-numbered id, bound to A
    r.cancel('A');
    r.begin('B', b.listener);
    assert.equal(r.handleChunk({ requestId: '7', index: 1, text: 'late' }), false);
    assert.equal(b.events.length, 0);
    assert.ok(r.handleChunk({ requestId: '8', index: 0, text: 'b' }));
    assert.equal(r.text('B'), 'b');
  });

  it('errors report the partial text', () => {
    const r = new ChatRouter('t');
    const a = collect();
    r.begin('A', a.listener);
    r.handleChunk({ requestId: 'A', index: 0, text: 'so far' });
    r.fail('A', 'boom');
    assert.deepEqual(a.events.at(-1), { kind: 'error', text: 'so far', message: 'boom' });
    assert.equal(r.state('A'), 'error');
  });

  it('binds an unknown server id to the only unbound pending stream', () => {
    const r = new ChatRouter('t');
    const a = collect();
    r.begin('client-1', a.listener);
    assert.ok(r.handleChunk({ requestId: 42, index: 0, text: 'x' }));
    assert.ok(r.handleChunk({ requestId: '42', index: 1, text: 'y' }));
    assert.equal(r.text('client-1'), 'xy');
  });

  it('does not guess when two unbound streams are pending and the session does not decide', () => {
    const r = new ChatRouter('t');
    r.begin('A', () => {});
    r.begin('B', () => {});
    assert.equal(r.handleChunk({ requestId: 'srv', index: 0, text: 'x' }), false);
    assert.equal(r.dropped, 1);
  });

  it('uses the session id to pick between pending streams', () => {
    const r = new ChatRouter('t');
    r.begin('A', () => {}, 'sA');
    r.begin('B', () => {}, 'sB');
    assert.ok(r.handleChunk({ requestId: 'srv', sessionId: 'sB', index: 0, text: 'x' }));
    assert.equal(r.text('B'), 'x');
    assert.equal(r.text('A'), '');
  });

  it('drops malformed chunks', () => {
    const r = new ChatRouter('t');
    r.begin('A', () => {});
    for (const bad of [null, 'x', {}, { requestId: 'A', index: -1, text: 'x' }, { requestId: 'A', index: 0 }, { requestId: {}, index: 0, text: '' }]) {
      assert.equal(r.handleChunk(bad), false);
    }
    assert.equal(r.dropped, 6);
    assert.equal(r.text('A'), '');
  });

  it('cancelAll stops every pending stream', () => {
    const r = new ChatRouter('t');
    const a = collect();
    const b = collect();
    r.begin('A', a.listener);
    r.begin('B', b.listener);
    r.cancelAll();
    assert.equal(r.pendingCount, 0);
    assert.equal(a.events.at(-1)?.kind, 'cancelled');
    assert.equal(b.events.at(-1)?.kind, 'cancelled');
  });

  it('hands out unique request ids and refuses to reuse one', () => {
    const r = new ChatRouter('p');
    const one = r.newRequestId();
    const two = r.newRequestId();
    assert.notEqual(one, two);
    assert.ok(one.startsWith('p-'));
    r.begin(one, () => {});
    assert.throws(() => r.begin(one, () => {}));
    r.cancel(one);
    assert.throws(() => r.begin(one, () => {}));
  });
});

describe('ChatRouter binding guard', () => {
  it('never adopts a foreign stream seen mid-way (index > 0)', () => {
    const r = new ChatRouter('t');
    r.begin('A', () => {});
    assert.equal(r.handleChunk({ requestId: '99', index: 3, text: 'foreign' }), false);
    assert.ok(r.handleChunk({ requestId: '100', index: 0, text: 'mine' }));
    assert.equal(r.text('A'), 'mine');
  });

  it('does not bind a second server id to an already bound stream', () => {
    const r = new ChatRouter('t');
    r.begin('A', () => {});
    r.handleChunk({ requestId: '1', index: 0, text: 'a' });
    assert.equal(r.handleChunk({ requestId: '2', index: 0, text: 'other' }), false);
    assert.equal(r.text('A'), 'a');
  });
});
