import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { chatOptions, expandVariables, isSecretKey, searchOptions, serverLaunch, toCamel, toServerSettings } from '../src/core/settings';

describe('toServerSettings', () => {
  it('drops client-only keys and unset (null) values', () => {
    const { settings, warnings } = toServerSettings({
      server: { command: 'auro-pai', pythonPath: '', args: [] },
      trace: { server: 'off' },
      chat: { includeRag: true },
      search: { debounceMs: 250 },
      openaiModel: 'gpt-4o',
      chunkSize: 512,
      llamacppServerUrl: null,
      webSearchEnabled: false,
      llmProviders: ['llamacpp', 'openai'],
      extraSettings: {},
    });
    assert.deepEqual(settings, {
      openaiModel: 'gpt-4o',
      chunkSize: 512,
      webSearchEnabled: false,
      llmProviders: ['llamacpp', 'openai'],
    });
    assert.deepEqual(warnings, []);
  });

  it('keeps meaningful empty values (empty string disables llama.cpp, empty list = auto)', () => {
    const { settings } = toServerSettings({ llamacppServerUrl: '', ignoreGlobs: [] });
    assert.deepEqual(settings, { llamacppServerUrl: '', ignoreGlobs: [] });
  });

  it('merges extraSettings with explicit settings winning, camelCasing snake and env names', () => {
    const { settings } = toServerSettings({
      openaiModel: 'explicit',
      extraSettings: { openaiModel: 'extra', llm_total_timeout: 300, AURO_FETCH_TIMEOUT: 5, llmIdleTimeout: 10 },
    });
    assert.deepEqual(settings, {
      openaiModel: 'explicit',
      llmTotalTimeout: 300,
      auroFetchTimeout: 5,
      llmIdleTimeout: 10,
    });
  });

  it('refuses secret-looking keys with a warning', () => {
    const { settings, warnings } = toServerSettings({
      openaiApiKey: 'sk-123',
      extraSettings: { GEMINI_API_KEY: 'g', httpToken: 't', llmFirstTokenTimeout: 30 },
    });
    assert.deepEqual(settings, { llmFirstTokenTimeout: 30 });
    assert.equal(warnings.length, 3);
    assert.ok(warnings.every((w) => w.includes('environment')));
    assert.ok(warnings.some((w) => w.includes('auro.openaiApiKey')));
  });

  it('warns about a non-object extraSettings', () => {
    const { settings, warnings } = toServerSettings({ extraSettings: 'x', chunkSize: 1 });
    assert.deepEqual(settings, { chunkSize: 1 });
    assert.equal(warnings.length, 1);
  });

  it('returns an empty object for a missing section', () => {
    assert.deepEqual(toServerSettings(undefined).settings, {});
    assert.deepEqual(toServerSettings(null).settings, {});
    assert.deepEqual(toServerSettings([1]).settings, {});
  });

  it('copies values so the result is plain JSON', () => {
    const globs = ['a', 'b'];
    const { settings } = toServerSettings({ ignoreGlobs: globs });
    assert.notEqual(settings.ignoreGlobs, globs);
    assert.deepEqual(settings.ignoreGlobs, globs);
  });
});

describe('key helpers', () => {
  it('camelCases', () => {
    assert.equal(toCamel('chunk_size'), 'chunkSize');
    assert.equal(toCamel('CHUNK_SIZE'), 'chunkSize');
    assert.equal(toCamel('chunkSize'), 'chunkSize');
    assert.equal(toCamel('llamacpp_server_url'), 'llamacppServerUrl');
  });

  it('detects secrets but not timeouts about tokens', () => {
    assert.ok(isSecretKey('openaiApiKey'));
    assert.ok(isSecretKey('OPENAI_API_KEY'));
    assert.ok(isSecretKey('httpToken'));
    assert.ok(isSecretKey('clientSecret'));
    assert.ok(!isSecretKey('llmFirstTokenTimeout'));
    assert.ok(!isSecretKey('openaiModel'));
  });
});

describe('serverLaunch', () => {
  it('defaults to `auro-pai lsp` in the workspace folder', () => {
    assert.deepEqual(serverLaunch({}, { workspaceFolder: '/w' }), { command: 'auro-pai', args: ['lsp'], cwd: '/w' });
  });

  it('uses the command and appends extra args', () => {
    assert.deepEqual(serverLaunch({ command: '/opt/auro/bin/auro-pai', args: ['--verbose'] }), {
      command: '/opt/auro/bin/auro-pai',
      args: ['lsp', '--verbose'],
    });
  });

  it('prefers pythonPath with -m server.cli lsp', () => {
    assert.deepEqual(serverLaunch({ command: 'auro-pai', pythonPath: '/w/.venv/bin/python', args: ['-x'] }), {
      command: '/w/.venv/bin/python',
      args: ['-m', 'server.cli', 'lsp', '-x'],
    });
  });

  it('expands variables in command, cwd and args', () => {
    const ctx = { workspaceFolder: '/w', userHome: '/home/u', env: { VENV: '/v' } };
    assert.deepEqual(
      serverLaunch({ command: '${workspaceFolder}/.venv/bin/auro-pai', cwd: '~/proj', args: ['${env:VENV}'] }, ctx),
      { command: '/w/.venv/bin/auro-pai', args: ['lsp', '/v'], cwd: '/home/u/proj' },
    );
  });

  it('treats a blank command as the default', () => {
    assert.equal(serverLaunch({ command: '  ' }).command, 'auro-pai');
  });

  it('leaves unknown variables alone and empties missing env vars', () => {
    assert.equal(expandVariables('${workspaceFolder}/x', {}), '${workspaceFolder}/x');
    assert.equal(expandVariables('a${env:NOPE}b', { env: {} }), 'ab');
  });
});

describe('client-only option readers', () => {
  it('chat options default to RAG on, tools off', () => {
    assert.deepEqual(chatOptions({}), { includeRag: true, includeTools: false });
    assert.deepEqual(chatOptions({ chat: { includeRag: false, includeTools: true } }), { includeRag: false, includeTools: true });
  });

  it('search options clamp bad values', () => {
    assert.deepEqual(searchOptions(undefined), { debounceMs: 250, maxResults: 20 });
    assert.deepEqual(searchOptions({ search: { debounceMs: -1, maxResults: 0 } }), { debounceMs: 250, maxResults: 20 });
    assert.deepEqual(searchOptions({ search: { debounceMs: 99999, maxResults: 1000.7 } }), { debounceMs: 5000, maxResults: 200 });
  });
});
