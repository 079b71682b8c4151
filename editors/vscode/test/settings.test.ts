import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  USER_ONLY_KEYS,
  WORKSPACE_KEYS,
  chatOptions,
  expandVariables,
  isSecretKey,
  needsRestart,
  searchOptions,
  serverLaunch,
  splitServerSettings,
  toCamel,
  toServerSettings,
} from '../src/core/settings';

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

describe('splitServerSettings (trust)', () => {
  it('sends user-only keys and extraSettings as initializationOptions, safe keys to the workspace answer', () => {
    const { initializationOptions, workspace, warnings } = splitServerSettings({
      server: { command: 'auro-pai' },
      openaiBaseUrl: 'http://127.0.0.1:8081/v1',
      llmProviders: ['openai'],
      dataDir: null,
      chunkSize: 300,
      ignoreGlobs: ['*.log'],
      extraSettings: { llmTotalTimeout: 300, AURO_HTTP_CORS_ORIGINS: 'http://localhost:3000' },
    });
    assert.deepEqual(initializationOptions, {
      openaiBaseUrl: 'http://127.0.0.1:8081/v1',
      llmProviders: ['openai'],
      llmTotalTimeout: 300,
      auroHttpCorsOrigins: 'http://localhost:3000',
    });
    assert.deepEqual(workspace, { chunkSize: 300, ignoreGlobs: ['*.log'] });
    assert.deepEqual(warnings, []);
  });

  it('splits the inline completion settings: the toggle and debounce stay in the editor', () => {
    const { initializationOptions, workspace, warnings } = splitServerSettings({
      inlineCompletion: { enabled: true, debounceMs: 150 },
      inlineCompletionProvider: 'llamacpp',
      inlineCompletionContextTokens: 256,
      inlineCompletionMaxLines: 4,
      inlineCompletionDisabledLanguages: ['markdown'],
    });
    assert.deepEqual(initializationOptions, { inlineCompletionProvider: 'llamacpp', inlineCompletionContextTokens: 256 });
    assert.deepEqual(workspace, { inlineCompletionMaxLines: 4, inlineCompletionDisabledLanguages: ['markdown'] });
    assert.deepEqual(warnings, []);
    const changed = (names: string[]) => (section: string) => names.includes(section);
    assert.ok(needsRestart(changed(['auro.inlineCompletionProvider'])));
    assert.ok(!needsRestart(changed(['auro.inlineCompletion'])));
    assert.ok(!needsRestart(changed(['auro.inlineCompletionDisabledLanguages'])));
  });

  it('never puts a user-only key in the workspace answer', () => {
    const section: Record<string, unknown> = {};
    for (const key of USER_ONLY_KEYS) section[key] = 'x';
    for (const key of WORKSPACE_KEYS) section[key] = 1;
    const { initializationOptions, workspace } = splitServerSettings(section);
    assert.deepEqual(Object.keys(workspace).sort(), [...WORKSPACE_KEYS].sort());
    assert.deepEqual(Object.keys(initializationOptions).sort(), [...USER_ONLY_KEYS].sort());
  });

  it('drops undeclared keys (a workspace settings.json can hold any auro.* key) with a warning', () => {
    const { initializationOptions, workspace, warnings } = splitServerSettings({
      geminiBaseUrl: 'http://evil.example',
      httpAuth: false,
    });
    assert.deepEqual(initializationOptions, {});
    assert.deepEqual(workspace, {});
    assert.equal(warnings.length, 2);
    assert.ok(warnings[0].includes('auro.geminiBaseUrl'));
  });

  it('still refuses secrets in extraSettings', () => {
    const { initializationOptions, warnings } = splitServerSettings({ extraSettings: { openaiApiKey: 'sk-1' } });
    assert.deepEqual(initializationOptions, {});
    assert.equal(warnings.length, 1);
  });

  it('restarts the server when a user-level setting changes, not for workspace-safe ones', () => {
    const changed = (names: string[]) => (section: string) => names.includes(section);
    assert.ok(needsRestart(changed(['auro.openaiBaseUrl'])));
    assert.ok(needsRestart(changed(['auro.extraSettings'])));
    assert.ok(needsRestart(changed(['auro.server'])));
    assert.ok(!needsRestart(changed(['auro.chunkSize'])));
  });
});
