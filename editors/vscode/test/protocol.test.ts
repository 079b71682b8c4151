import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { healthRequest, parseChatChunk, parseHealth, parseIndexStatus, parseServerStatus } from '../src/core/protocol';
import { Debouncer, LatestOnly, Timers, snippetPreview, toPickItem, toPickItems } from '../src/core/searchItems';

describe('server payload parsers', () => {
  it('parses auro/status with and without a token', () => {
    const s = parseServerStatus({
      version: '1.0',
      http: { url: 'http://127.0.0.1:5000', host: '127.0.0.1', port: 5000, token: 'tok' },
      workspaces: [{ root: '/w', dataDir: '/d' }],
    });
    assert.deepEqual(s, {
      version: '1.0',
      http: { url: 'http://127.0.0.1:5000', host: '127.0.0.1', port: 5000, token: 'tok' },
      workspaces: [{ root: '/w', dataDir: '/d' }],
    });
    assert.equal(parseServerStatus({ version: '1', http: null, workspaces: [] })?.http, null);
    assert.equal(parseServerStatus('x'), undefined);
  });

  it('builds the health request with the bearer token only when present', () => {
    assert.deepEqual(healthRequest({ url: 'http://h:1/', host: 'h', port: 1, token: 't' }), {
      url: 'http://h:1/api/v1/health',
      headers: { Accept: 'application/json', Authorization: 'Bearer t' },
    });
    assert.deepEqual(healthRequest({ url: 'http://h:1', host: 'h', port: 1 }).headers, { Accept: 'application/json' });
  });

  it('parses the health report, skipping unknown levels', () => {
    const h = parseHealth({
      status: 'degraded',
      version: '1',
      components: { llm: { status: 'down', reason: 'r' }, index: { status: 'ok' }, bogus: { status: 'meh' } },
    });
    assert.deepEqual(h, {
      status: 'degraded',
      version: '1',
      components: { llm: { status: 'down', reason: 'r' }, index: { status: 'ok', reason: '' } },
    });
    assert.equal(parseHealth({ status: 'fine' }), undefined);
  });

  it('parses auro/indexStatus with defaults for missing fields', () => {
    assert.deepEqual(parseIndexStatus({ filesTotal: 3, complete: true, state: 'idle' }), {
      filesTotal: 3,
      filesKeywordIndexed: 0,
      filesEmbedded: 0,
      chunks: 0,
      state: 'idle',
      complete: true,
      roots: [],
    });
    const parsed = parseIndexStatus({
      filesTotal: 3,
      roots: [{ root: '/w', filesTotal: 3, phase: 'embedding', filesPerS: 1.5, etaS: 2, complete: false }, 'x'],
    });
    assert.deepEqual(parsed?.roots, [
      {
        root: '/w',
        filesTotal: 3,
        filesKeywordIndexed: 0,
        filesEmbedded: 0,
        chunks: 0,
        state: 'unknown',
        complete: false,
        phase: 'embedding',
        filesPerS: 1.5,
        etaS: 2,
        progress: null,
        skipped: { count: 0, byReason: {}, files: [] },
      },
    ]);
  });

  it('reads a root\'s running phase and skipped files', () => {
    const parsed = parseIndexStatus({
      roots: [
        {
          root: '/w',
          progress: { phase: 'embedding', detail: '', done: 320, total: 485, unit: 'chunks', rate: 35.1, etaS: 5, elapsedS: 9, percentage: 65 },
          skipped: { count: 2, byReason: { binary: 1, secret: 1, bad: 'x' }, files: [{ path: 'a.bin', reason: 'binary', detail: '' }, 7] },
        },
      ],
    });
    const r = parsed?.roots[0];
    assert.deepEqual(r?.progress, {
      phase: 'embedding', detail: '', done: 320, total: 485, unit: 'chunks', rate: 35.1, etaS: 5, elapsedS: 9, percentage: 65,
    });
    assert.deepEqual(r?.skipped, { count: 2, byReason: { binary: 1, secret: 1 }, files: [{ path: 'a.bin', reason: 'binary', detail: '' }] });
  });

  it('normalises numeric chunk request ids', () => {
    assert.deepEqual(parseChatChunk({ requestId: 3, index: 0, text: 'a', sessionId: 's' }), {
      requestId: '3',
      sessionId: 's',
      index: 0,
      text: 'a',
    });
  });
});

describe('search results → QuickPick items', () => {
  const result = {
    path: 'src/pkg/mod.py',
    startLine: 10,
    endLine: 24,
    symbol: 'Indexer.run',
    language: 'python',
    score: 0.87654,
    snippet: '\n\n    def run(self,   items):\n        pass',
    retrievers: ['bm25', 'vector'],
    location: { uri: 'file:///w/src/pkg/mod.py', range: { start: { line: 9, character: 0 }, end: { line: 23, character: 0 } } },
  };

  it('maps a result with symbol, lines, language and score', () => {
    const item = toPickItem(result);
    assert.equal(item.label, '$(symbol-misc) Indexer.run');
    assert.equal(item.description, 'src/pkg/mod.py:10-24  python · 0.877');
    assert.equal(item.detail, 'def run(self, items):');
    assert.deepEqual(item.target, { uri: 'file:///w/src/pkg/mod.py', range: result.location.range });
  });

  it('falls back to the path and 1-based lines without a location', () => {
    const item = toPickItem({ path: 'a/b.ts', startLine: 3, endLine: 3 });
    assert.equal(item.label, '$(file) b.ts:3');
    assert.equal(item.description, 'a/b.ts:3');
    assert.deepEqual(item.target, { path: 'a/b.ts', range: { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } } });
  });

  it('validates the response and skips malformed results', () => {
    assert.deepEqual(toPickItems(null), []);
    assert.deepEqual(toPickItems({ results: 'x' }), []);
    const items = toPickItems({ results: [result, { path: 3 }, null, { path: 'x.py' }], complete: true });
    assert.equal(items.length, 1);
  });

  it('shortens long snippets', () => {
    const long = 'x'.repeat(500);
    const preview = snippetPreview(long, 20);
    assert.equal(preview.length, 20);
    assert.ok(preview.endsWith('…'));
    assert.equal(snippetPreview(undefined), '');
  });
});

describe('live search helpers', () => {
  it('LatestOnly applies only the newest response', () => {
    const l = new LatestOnly();
    const first = l.next();
    const second = l.next();
    assert.equal(l.isLatest(first), false);
    assert.equal(l.isLatest(second), true);
    l.reset();
    assert.equal(l.isLatest(second), false);
  });

  it('Debouncer fires once with the last value', () => {
    const pending = new Map<number, () => void>();
    let nextHandle = 0;
    const timers: Timers = {
      set: (fn) => {
        nextHandle += 1;
        pending.set(nextHandle, fn);
        return nextHandle;
      },
      clear: (h) => pending.delete(h as number),
    };
    const fired: string[] = [];
    const d = new Debouncer<string>(200, (v) => fired.push(v), timers);
    d.push('a');
    d.push('ab');
    d.push('abc');
    assert.equal(pending.size, 1);
    for (const [h, fn] of [...pending]) {
      pending.delete(h);
      fn();
    }
    assert.deepEqual(fired, ['abc']);
    d.push('x');
    d.cancel();
    assert.equal(pending.size, 0);
  });

  it('Debouncer works with real timers', async () => {
    const fired: number[] = [];
    const d = new Debouncer<number>(10, (v) => fired.push(v));
    d.push(1);
    d.push(2);
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(fired, [2]);
  });
});

describe('layering', () => {
  it('pure modules in src/core never import vscode', () => {
    const dir = path.join(__dirname, '..', '..', 'src', 'core');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts'));
    assert.ok(files.length >= 6);
    for (const f of files) {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      assert.doesNotMatch(text, /from\s+['"]vscode(-languageclient[^'"]*)?['"]|require\(['"]vscode/, f);
    }
  });
});
