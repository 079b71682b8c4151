// Optional smoke test against a real server: starts `auro-pai lsp` the way the extension
// does, answers workspace/configuration through the same mapping, waits for auro/status,
// probes the sidecar health and the custom requests. Not part of ci.sh (needs the Python
// venv). Usage: node scripts/smoke-lsp.mjs [path/to/auro-pai] (after `npm test` built out/).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const rpc = require('vscode-jsonrpc/node');
const { serverLaunch, toServerSettings } = require('../out/src/core/settings.js');
const { parseServerStatus, healthRequest, parseHealth, parseIndexStatus, Methods } = require('../out/src/core/protocol.js');
const { ChatRouter } = require('../out/src/core/chatRouter.js');
const { parseChatResult } = require('../out/src/core/chatResult.js');
// Optional: an OpenAI-compatible / llama.cpp endpoint for the chat part, e.g. the project's
// fake (`python -m tests.fakes.openai_server --delay 0.05` prints `READY <url>`).
const llmUrl = process.env.AURO_SMOKE_LLM_URL;

const command = process.argv[2] ?? path.resolve('../../.venv/bin/auro-pai');
const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'auro-smoke-'));
fs.writeFileSync(path.join(ws, 'hello.py'), 'def greet(name):\n    return f"hello {name}"\n');
const data = fs.mkdtempSync(path.join(os.tmpdir(), 'auro-smoke-data-'));

const section = {
  server: { command, args: [] },
  chat: { includeRag: true },
  logLevel: 'DEBUG',
  chunkSize: null,
  webSearchEnabled: false,
  extraSettings: { dataDir: data, openaiApiKey: 'refused' },
  ...(llmUrl ? { llamacppServerUrl: llmUrl, llmProviders: ['llamacpp'] } : {}),
};
const mapped = toServerSettings(section);
console.log('mapped settings', mapped);
const launch = serverLaunch({ command }, { workspaceFolder: ws });
console.log('launch', launch);

const child = spawn(launch.command, launch.args, { cwd: launch.cwd, env: { ...process.env, AURO_DATA_DIR: data } });
child.stderr.on('data', (d) => process.env.SMOKE_VERBOSE && process.stderr.write(d));
const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
let configPulls = 0;
conn.onRequest('workspace/configuration', (params) => {
  configPulls += 1;
  return params.items.map((i) => (i.section === 'auro' ? mapped.settings : null));
});
conn.onRequest('window/workDoneProgress/create', () => null);
conn.onRequest('client/registerCapability', () => null);
const router = new ChatRouter('smoke');
conn.onNotification(Methods.chatChunk, (c) => router.handleChunk(c));
const progress = [];
conn.onNotification('$/progress', (p) => progress.push(p.value?.kind));
conn.onNotification('window/logMessage', () => {});
conn.onNotification('window/showMessage', (m) => console.log('showMessage:', m.message));
const statusSeen = new Promise((resolve) => conn.onNotification(Methods.status, resolve));
conn.listen();

const timeout = (ms, what) => new Promise((_, rej) => setTimeout(() => rej(new Error(`timeout: ${what}`)), ms));
let failed = false;
try {
  const init = await Promise.race([
    conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: `file://${ws}`,
      workspaceFolders: [{ uri: `file://${ws}`, name: 'ws' }],
      capabilities: { workspace: { configuration: true, workspaceFolders: true }, window: { workDoneProgress: true } },
      initializationOptions: mapped.settings,
    }),
    timeout(60000, 'initialize'),
  ]);
  console.log('server:', init.serverInfo, 'commands:', init.capabilities.executeCommandProvider?.commands);
  conn.sendNotification('initialized', {});
  const status = parseServerStatus(await Promise.race([statusSeen, timeout(60000, 'auro/status')]));
  console.log('auro/status', status);
  if (status?.http) {
    const { url, headers } = healthRequest(status.http);
    const res = await fetch(url, { headers });
    console.log('health', res.status, parseHealth(await res.json()));
  }
  for (const [method, params] of [[Methods.indexStatus, {}], [Methods.search, { query: 'greet', k: 3 }]]) {
    try {
      const r = await Promise.race([conn.sendRequest(method, params), timeout(30000, method)]);
      console.log(method, method === Methods.indexStatus ? parseIndexStatus(r) : JSON.stringify(r).slice(0, 300));
    } catch (err) {
      console.log(method, 'not available yet:', err.message);
    }
  }
  if (llmUrl) {
    // 1. a whole answer, streamed
    const id = router.newRequestId();
    const deltas = [];
    router.begin(id, (e) => e.kind === 'delta' && deltas.push(e.delta));
    const raw = await Promise.race([conn.sendRequest(Methods.chat, { message: 'hello?', requestId: id, includeRag: true }), timeout(60000, 'chat')]);
    const result = parseChatResult(raw);
    const streamed = router.text(id);
    const final = router.complete(id, result);
    console.log('chat:', { deltas: deltas.length, streamed: streamed.slice(0, 80), final: final.slice(0, 80), provider: result.provider, status: result.status, error: result.error, citations: result.citations.length });
    if (deltas.length < 1 || streamed !== final) throw new Error('chat text was not streamed intact');
    // 2. a cancelled answer: $/cancelRequest after the first chunk
    const id2 = router.newRequestId();
    const source = new rpc.CancellationTokenSource();
    let first;
    let partial = '';
    const firstChunk = new Promise((r) => (first = r));
    router.begin(id2, (e) => {
      if (e.kind === 'delta') first();
      if (e.kind === 'cancelled') partial = e.text;
    }, result.sessionId);
    const pending = conn.sendRequest(Methods.chat, { message: 'again', sessionId: result.sessionId, requestId: id2 }, source.token);
    await Promise.race([firstChunk, timeout(60000, 'first chunk')]);
    source.cancel();
    router.cancel(id2);
    const outcome = await pending.then((r) => `resolved (${parseChatResult(r).status})`, (err) => `rejected (${err.code ?? err.message})`);
    console.log('cancelled chat:', outcome, 'partial:', JSON.stringify(partial), 'dropped late chunks:', router.dropped);
  }
  console.log('configuration pulls:', configPulls, 'progress events:', progress.length);
  if (configPulls < 1) throw new Error('server never pulled workspace/configuration');
} catch (err) {
  failed = true;
  console.error('SMOKE FAILED:', err.message);
} finally {
  try {
    await Promise.race([conn.sendRequest('shutdown'), timeout(10000, 'shutdown')]);
    conn.sendNotification('exit');
  } catch {}
  setTimeout(() => child.kill(), 2000).unref();
  conn.dispose?.();
  fs.rmSync(ws, { recursive: true, force: true });
  fs.rmSync(data, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
