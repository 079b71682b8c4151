import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { phaseLabel, progressLine } from '../src/core/phase';
import { ProgressTracker } from '../src/core/progress';
import { IndexStatus, RootIndexStatus } from '../src/core/protocol';
import { formatDuration, formatStatusBar, formatStatusReport, indexPercentage } from '../src/core/statusText';

const root = (over: Partial<RootIndexStatus> = {}): RootIndexStatus => ({
  root: '/w',
  filesTotal: 200,
  filesKeywordIndexed: 200,
  filesEmbedded: 50,
  chunks: 900,
  state: 'indexing',
  phase: 'embedding',
  filesPerS: 12.5,
  etaS: 95,
  complete: false,
  ...over,
});

/** One root; the totals repeat its counters, as the server sends them. */
const index = (over: Partial<RootIndexStatus> = {}): IndexStatus => {
  const r = root(over);
  const { filesTotal, filesKeywordIndexed, filesEmbedded, chunks, state, complete } = r;
  return { filesTotal, filesKeywordIndexed, filesEmbedded, chunks, state, complete, roots: [r] };
};

describe('formatStatusBar', () => {
  it('shows starting and stopped states', () => {
    assert.match(formatStatusBar({ client: 'starting' }).text, /loading~spin/);
    const failed = formatStatusBar({ client: 'failed' });
    assert.equal(failed.severity, 'error');
    assert.match(failed.tooltip, /failed to start/);
  });

  it('shows the work-done progress percentage while indexing', () => {
    const view = formatStatusBar({
      client: 'running',
      progress: { title: 'Indexing', message: '120/200 files', percentage: 60.4 },
      llm: { status: 'ok' },
    });
    assert.equal(view.text, '$(sync~spin) Auro 60%');
    assert.match(view.tooltip, /Indexing — Indexing: 120\/200 files \(60%\)/);
    assert.match(view.tooltip, /LLM: ok/);
    assert.equal(view.severity, 'normal');
  });

  it('falls back to the index counters without $/progress', () => {
    const view = formatStatusBar({ client: 'running', index: index() });
    assert.equal(view.text, '$(sync~spin) Auro 25%');
    assert.match(view.tooltip, /50\/200 files embedded/);
    assert.match(view.tooltip, /ETA 1m 35s/);
    assert.match(view.tooltip, /LLM: health unknown/);
  });

  it('is a check mark when indexed and healthy', () => {
    const view = formatStatusBar({
      client: 'running',
      index: index({ filesEmbedded: 200, complete: true, state: 'idle', phase: 'done', etaS: 0 }),
      llm: { status: 'ok' },
    });
    assert.equal(view.text, '$(check) Auro');
    assert.doesNotMatch(view.tooltip, /ETA/);
  });

  it('flags LLM down and degraded', () => {
    const down = formatStatusBar({ client: 'running', index: index({ complete: true }), llm: { status: 'down', reason: 'connection refused' } });
    assert.equal(down.text, '$(error) Auro · LLM down');
    assert.equal(down.severity, 'error');
    assert.match(down.tooltip, /connection refused/);
    const degraded = formatStatusBar({ client: 'running', llm: { status: 'degraded' } });
    assert.equal(degraded.text, '$(warning) Auro · LLM degraded');
    assert.equal(degraded.severity, 'warning');
    const none = formatStatusBar({ client: 'running', llm: { status: 'unconfigured' } });
    assert.equal(none.text, '$(warning) Auro · no LLM');
  });

  it('keeps the indexing spinner while the LLM is down', () => {
    const view = formatStatusBar({ client: 'running', progress: { percentage: 10 }, llm: { status: 'down' } });
    assert.equal(view.text, '$(sync~spin) Auro 10% · LLM down');
  });

  it('shows paused indexing', () => {
    const view = formatStatusBar({ client: 'running', index: index(), paused: true, llm: { status: 'ok' } });
    assert.equal(view.text, '$(debug-pause) Auro: paused');
  });

  it('clamps percentages and handles no total', () => {
    assert.equal(formatStatusBar({ client: 'running', progress: { percentage: 140 } }).text, '$(sync~spin) Auro 100%');
    assert.equal(formatStatusBar({ client: 'running', progress: {} }).text, '$(sync~spin) Auro: indexing');
    assert.equal(indexPercentage(index({ filesTotal: 0 })), undefined);
  });
});

describe('formatDuration', () => {
  it('formats seconds, minutes and hours', () => {
    assert.equal(formatDuration(5), '5s');
    assert.equal(formatDuration(125), '2m 5s');
    assert.equal(formatDuration(3 * 3600 + 120), '3h 2m');
    assert.equal(formatDuration(null), '');
    assert.equal(formatDuration(-1), '');
  });
});

describe('formatStatusReport', () => {
  it('lists server, workspaces, index and health', () => {
    const text = formatStatusReport({
      client: 'running',
      status: { version: '0.3.0', http: { url: 'http://127.0.0.1:4711', host: '127.0.0.1', port: 4711 }, workspaces: [{ root: '/w', dataDir: '/d' }] },
      index: index(),
      health: { status: 'degraded', components: { llm: { status: 'down', reason: 'no provider' }, index: { status: 'ok', reason: '' } } },
    });
    assert.match(text, /Language server: running \(version 0\.3\.0\)/);
    assert.match(text, /HTTP sidecar: http:\/\/127\.0\.0\.1:4711/);
    assert.match(text, /Workspace: \/w \(data: \/d\)/);
    assert.match(text, /files: 200 total, 200 keyword-indexed, 50 embedded/);
    assert.match(text, /rate: 12\.5 files\/s/);
    assert.match(text, /Health: degraded/);
    assert.match(text, /llm: down — no provider/);
    assert.match(text, /index: ok$/m);
  });

  it('takes phase, rate and ETA from the root still indexing', () => {
    const done = root({ root: '/a', complete: true, phase: 'done', filesPerS: 0, etaS: 0 });
    const busy = root({ root: '/b', phase: 'scanning', filesPerS: 3, etaS: 20 });
    const status: IndexStatus = { ...index(), roots: [done, busy] };
    const text = formatStatusReport({ client: 'running', index: status });
    assert.match(text, /Index state: indexing \/ scanning/);
    assert.match(text, /rate: 3\.0 files\/s/);
    assert.match(text, /ETA: 20s/);
  });

  it('reports errors instead of data', () => {
    const text = formatStatusReport({ client: 'stopped', indexError: 'language server not running', healthError: 'HTTP sidecar disabled' });
    assert.match(text, /Index: language server not running/);
    assert.match(text, /Health: HTTP sidecar disabled/);
  });
});

describe('ProgressTracker', () => {
  it('tracks begin/report/end per token and shows the newest', () => {
    const t = new ProgressTracker();
    assert.ok(t.update('a', { kind: 'begin', title: 'Indexing', percentage: 0 }));
    assert.ok(t.update('a', { kind: 'report', message: '10 files', percentage: 10 }));
    assert.deepEqual(t.current(), { title: 'Indexing', message: '10 files', percentage: 10 });
    t.update(2, { kind: 'begin', title: 'Embedding' });
    assert.equal(t.current()?.title, 'Embedding');
    assert.ok(t.update(2, { kind: 'end' }));
    assert.equal(t.current()?.title, 'Indexing');
    t.update('a', { kind: 'end', message: 'done' });
    assert.equal(t.current(), undefined);
    assert.equal(t.size, 0);
  });

  it('ignores reports for unknown tokens and malformed values', () => {
    const t = new ProgressTracker();
    assert.equal(t.update('x', { kind: 'report', percentage: 5 }), false);
    assert.equal(t.update('x', null), false);
    assert.equal(t.update('x', { kind: 'weird' }), false);
    assert.equal(t.update('x', { kind: 'end' }), false);
  });
});

describe('phase labels and the running phase', () => {
  const progress = {
    phase: 'keyword',
    detail: '',
    done: 120,
    total: 485,
    unit: 'files',
    rate: 40,
    etaS: 9,
    elapsedS: 3,
    percentage: 24,
  };

  it('shows human phase names with done/total and ETA, never the raw names', () => {
    const r = root({ phase: 'keyword', progress, skipped: { count: 3, byReason: { binary: 2, 'too large': 1 }, files: [] } });
    const status: IndexStatus = { ...index(), roots: [r] };
    const bar = formatStatusBar({ client: 'running', index: status });
    assert.match(bar.tooltip, /, keyword index\)/);
    assert.match(bar.tooltip, /Now: keyword index 120\/485 files, ETA 9s/);
    assert.match(bar.tooltip, /Skipped: 3 files \(2 binary, 1 too large\)/);
    const report = formatStatusReport({ client: 'running', index: status });
    assert.match(report, /Index state: indexing \/ keyword index/);
    assert.match(report, /now: keyword index 120\/485 files, ETA 9s/);
    assert.doesNotMatch(report, /\/ keyword\n/);
  });

  it('labels model loading, which has no total, without a count', () => {
    const loading = { ...progress, phase: 'loading_model', unit: '', done: 0, total: null, etaS: null, percentage: null };
    const r = root({ phase: 'loading_model', progress: loading });
    const report = formatStatusReport({ client: 'running', index: { ...index(), roots: [r] } });
    assert.match(report, /Index state: indexing \/ loading the embedding model\n/);
    assert.match(report, /now: loading the embedding model\n/);
    assert.doesNotMatch(report, /loading_model/);
  });

  it('maps every phase in one place and shows an unknown one as sent', () => {
    assert.equal(phaseLabel('scanning'), 'scanning files');
    assert.equal(phaseLabel('embedding'), 'embedding');
    assert.equal(phaseLabel('later'), 'later');
    assert.equal(progressLine({ ...progress, phase: 'scanning', total: null, etaS: null }, formatDuration), 'scanning files 120 files');
  });
});
