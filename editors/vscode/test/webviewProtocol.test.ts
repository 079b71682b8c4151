import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MAX_MESSAGE_CHARS, citationLabel, parseFromWebview, parseToWebview } from '../src/core/webviewProtocol';

const range = { start: { line: 4, character: 0 }, end: { line: 9, character: 1 } };

describe('parseFromWebview (untrusted input)', () => {
  it('accepts the known messages', () => {
    assert.deepEqual(parseFromWebview({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseFromWebview({ type: 'stop' }), { type: 'stop' });
    assert.deepEqual(parseFromWebview({ type: 'newSession' }), { type: 'newSession' });
    assert.deepEqual(parseFromWebview({ type: 'send', text: 'why?' }), { type: 'send', text: 'why?' });
    assert.deepEqual(parseFromWebview({ type: 'openCitation', requestId: 'r1', index: 2 }), {
      type: 'openCitation',
      requestId: 'r1',
      index: 2,
    });
  });

  it('strips unknown fields', () => {
    assert.deepEqual(parseFromWebview({ type: 'stop', evil: true }), { type: 'stop' });
    assert.deepEqual(parseFromWebview({ type: 'send', text: 'x', uri: 'file:///etc/passwd' }), { type: 'send', text: 'x' });
  });

  it('rejects malformed messages', () => {
    const bad: unknown[] = [
      undefined,
      null,
      'send',
      [],
      {},
      { type: 42 },
      { type: 'unknown' },
      { type: 'send' },
      { type: 'send', text: '   ' },
      { type: 'send', text: 5 },
      { type: 'send', text: 'x'.repeat(MAX_MESSAGE_CHARS + 1) },
      { type: 'openCitation', requestId: 'r', index: -1 },
      { type: 'openCitation', requestId: 'r', index: 1.5 },
      { type: 'openCitation', requestId: '', index: 0 },
      { type: 'openCitation', index: 0 },
      { type: 'openCitation', requestId: 'r', index: '0' },
    ];
    for (const raw of bad) assert.equal(parseFromWebview(raw), undefined, JSON.stringify(raw));
  });
});

describe('parseToWebview', () => {
  it('accepts every extension message', () => {
    const good = [
      { type: 'reset' },
      { type: 'reset', sessionId: 's' },
      { type: 'user', requestId: 'r', text: 'q' },
      { type: 'delta', requestId: 'r', delta: 'd' },
      { type: 'done', requestId: 'r', text: 't', citations: [{ label: 'a.py:5', uri: 'file:///a.py', range }], provider: 'llamacpp' },
      { type: 'done', requestId: 'r', text: 't', citations: [] },
      { type: 'done', requestId: 'r', text: 't', citations: [], notices: ['Left out 1 retrieved code piece(s).'] },
      { type: 'cancelled', requestId: 'r', text: 'part' },
      { type: 'error', message: 'm' },
      { type: 'error', requestId: 'r', message: 'm' },
      { type: 'busy', busy: true },
    ];
    for (const msg of good) assert.deepEqual(parseToWebview(msg), msg);
  });

  it('rejects malformed extension messages', () => {
    const bad: unknown[] = [
      { type: 'delta', requestId: 'r' },
      { type: 'done', requestId: 'r', text: 't' },
      { type: 'done', requestId: 'r', text: 't', citations: [{ label: 'x' }] },
      { type: 'done', requestId: 'r', text: 't', citations: [{ label: 'x', uri: 'u', range: { start: 1 } }] },
      { type: 'done', requestId: 'r', text: 't', citations: [], notices: 'cut' },
      { type: 'done', requestId: 'r', text: 't', citations: [], notices: [3] },
      { type: 'busy', busy: 'yes' },
      { type: 'error' },
      { type: 'reset', sessionId: 5 },
      { type: 'nope' },
    ];
    for (const raw of bad) assert.equal(parseToWebview(raw), undefined, JSON.stringify(raw));
  });

  it('round-trips through JSON (postMessage structured clone)', () => {
    const msg = { type: 'done', requestId: 'r', text: '<b>not html</b>', citations: [] };
    assert.deepEqual(parseToWebview(JSON.parse(JSON.stringify(msg))), msg);
  });
});

describe('citationLabel', () => {
  it('shows a workspace-relative path, 1-based line and symbol', () => {
    assert.equal(citationLabel('file:///w/src/a.py', range, 'Foo.bar', '/w'), 'src/a.py:5 (Foo.bar)');
  });
  it('decodes file URIs and works without root, range or symbol', () => {
    assert.equal(citationLabel('file:///w/my%20file.py', undefined, null), '/w/my file.py');
  });
  it('leaves other schemes alone', () => {
    assert.equal(citationLabel('untitled:Untitled-1', range, undefined, '/w'), 'untitled:Untitled-1:5');
  });
});
