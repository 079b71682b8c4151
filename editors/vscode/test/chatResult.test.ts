import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { answerMeta, normalizeCitations, parseChatResult } from '../src/core/chatResult';

const range = { start: { line: 0, character: 0 }, end: { line: 3, character: 0 } };

describe('parseChatResult', () => {
  it('reads the server response', () => {
    const r = parseChatResult({
      sessionId: 's9',
      text: 'answer',
      citations: [{ uri: 'file:///w/a.py', range, symbol: 'f' }],
      usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5, estimated: false },
      provider: 'openai',
      model: 'gpt-4o-mini',
      status: 'ok',
      error: null,
    });
    assert.equal(r.sessionId, 's9');
    assert.equal(r.text, 'answer');
    assert.equal(r.citations.length, 1);
    assert.equal(r.provider, 'openai');
    assert.equal(r.model, 'gpt-4o-mini');
    assert.equal(r.error, undefined);
  });

  it('keeps truncated and the notices, dropping non-strings', () => {
    const r = parseChatResult({
      sessionId: 's',
      text: 'part',
      citations: [],
      truncated: true,
      notices: ['Left out 2 retrieved code piece(s) that did not fit the model\'s window: a.py:1-9, b.py:3-4.', 5, ''],
    });
    assert.equal(r.truncated, true);
    assert.deepEqual(r.notices, ["Left out 2 retrieved code piece(s) that did not fit the model's window: a.py:1-9, b.py:3-4."]);
    const plain = parseChatResult({ sessionId: 's', text: 'x', truncated: false, notices: [] });
    assert.equal(plain.truncated, undefined);
    assert.equal(plain.notices, undefined);
  });

  it('survives garbage and keeps the request session', () => {
    assert.deepEqual(parseChatResult(null, 's1'), { sessionId: 's1', text: '', citations: [], usage: undefined, provider: null });
    const r = parseChatResult({ text: 5, citations: 'x', status: 'error', error: 'all providers failed' });
    assert.equal(r.text, '');
    assert.deepEqual(r.citations, []);
    assert.equal(r.error, 'all providers failed');
  });
});

describe('normalizeCitations', () => {
  it('maps code and web citations and drops the rest', () => {
    const out = normalizeCitations(
      [
        { uri: 'file:///w/src/a.py', range, symbol: 'Foo' },
        { url: 'https://docs.example.org/x', title: 'Docs' },
        { url: 'javascript:alert(1)', title: 'evil' },
        { path: 'a.py', start_line: 1 },
        null,
        { uri: 'file:///w/b.py' },
      ],
      '/w',
    );
    assert.equal(out.length, 3);
    assert.deepEqual(out[0], {
      view: { label: 'src/a.py:1 (Foo)', uri: 'file:///w/src/a.py', range },
      target: { kind: 'code', uri: 'file:///w/src/a.py', range },
    });
    assert.deepEqual(out[1], { view: { label: '🌐 Docs', uri: 'https://docs.example.org/x' }, target: { kind: 'web', url: 'https://docs.example.org/x' } });
    assert.deepEqual(out[2].target, { kind: 'code', uri: 'file:///w/b.py' });
    assert.deepEqual(normalizeCitations(undefined), []);
  });

  it('labels code with the server-given workspace-relative path', () => {
    const [c] = normalizeCitations([{ uri: 'file:///other/root/pkg/m.py', range, symbol: 'run', path: 'pkg/m.py', root: '/other/root' }], '/w');
    assert.equal(c.view.label, 'pkg/m.py:1 (run)');
    assert.deepEqual(c.target, { kind: 'code', uri: 'file:///other/root/pkg/m.py', range });
  });
});

describe('answerMeta', () => {
  it('shows provider, model and a non-ok status', () => {
    assert.equal(answerMeta(parseChatResult({ provider: 'llamacpp', model: 'm', status: 'ok' })), 'llamacpp · m');
    assert.equal(answerMeta(parseChatResult({ provider: 'llamacpp', status: 'completed' })), 'llamacpp');
    assert.equal(answerMeta(parseChatResult({ provider: 'gemini', status: 'truncated' })), 'gemini · truncated');
    assert.equal(answerMeta(parseChatResult({ provider: 'llamacpp', truncated: true })), 'llamacpp · cut off');
    assert.equal(answerMeta(parseChatResult({})), '');
  });
});
