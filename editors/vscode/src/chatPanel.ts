/** "Auro: Ask": a webview chat that streams `auro/chatChunk` and can be stopped. */

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

import { ChatRouter, StreamEvent } from './core/chatRouter';
import { CitationTarget, answerMeta, normalizeCitations, parseChatResult } from './core/chatResult';
import { ChatParams, Methods, Range } from './core/protocol';
import { chatOptions } from './core/settings';
import { FromWebview, ToWebview, parseFromWebview } from './core/webviewProtocol';
import { openTarget } from './search';
import { errorMessage } from './status';

interface EditorContext {
  uri: string;
  range?: Range;
}

export class ChatPanel implements vscode.Disposable {
  static current: ChatPanel | undefined;

  private readonly panel: vscode.WebviewPanel;
  private readonly disposables: vscode.Disposable[] = [];
  private sessionId: string | undefined;
  private active: { requestId: string; cts: vscode.CancellationTokenSource } | undefined;
  private readonly citations = new Map<string, CitationTarget[]>();
  private ready = false;
  private readonly queue: ToWebview[] = [];

  static show(
    extensionUri: vscode.Uri,
    getClient: () => LanguageClient | undefined,
    router: ChatRouter,
    context: () => EditorContext | undefined,
    question?: string,
  ): ChatPanel {
    if (!ChatPanel.current) ChatPanel.current = new ChatPanel(extensionUri, getClient, router, context);
    ChatPanel.current.panel.reveal(vscode.ViewColumn.Beside);
    if (question && question.trim()) void ChatPanel.current.send(question);
    return ChatPanel.current;
  }

  private constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly getClient: () => LanguageClient | undefined,
    private readonly router: ChatRouter,
    private readonly context: () => EditorContext | undefined,
  ) {
    this.panel = vscode.window.createWebviewPanel('auro.chat', 'Auro Chat', vscode.ViewColumn.Beside, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
    });
    this.panel.webview.html = this.html();
    this.panel.onDidDispose(() => this.dispose(), null, this.disposables);
    this.panel.webview.onDidReceiveMessage((raw) => this.onMessage(raw), null, this.disposables);
  }

  private post(message: ToWebview): void {
    if (!this.ready) {
      this.queue.push(message);
      return;
    }
    void this.panel.webview.postMessage(message);
  }

  private onMessage(raw: unknown): void {
    const message: FromWebview | undefined = parseFromWebview(raw);
    if (!message) return; // untrusted input: ignore anything malformed
    switch (message.type) {
      case 'ready':
        this.ready = true;
        for (const m of this.queue.splice(0)) void this.panel.webview.postMessage(m);
        this.post({ type: 'busy', busy: this.active !== undefined });
        break;
      case 'send':
        void this.send(message.text);
        break;
      case 'stop':
        this.stop();
        break;
      case 'newSession':
        this.stop();
        this.sessionId = undefined;
        this.citations.clear();
        this.post({ type: 'reset' });
        break;
      case 'openCitation': {
        const target = this.citations.get(message.requestId)?.[message.index];
        if (target?.kind === 'code') void openTarget({ uri: target.uri, range: target.range ?? zeroRange() });
        if (target?.kind === 'web') void vscode.env.openExternal(vscode.Uri.parse(target.url));
        break;
      }
    }
  }

  async send(text: string): Promise<void> {
    const client = this.getClient();
    if (!client || !client.isRunning()) {
      this.post({ type: 'error', message: 'The Auro-PAI language server is not running.' });
      return;
    }
    if (this.active) {
      this.post({ type: 'error', message: 'A request is still running: stop it first.' });
      return;
    }
    const requestId = this.router.newRequestId();
    const cts = new vscode.CancellationTokenSource();
    this.active = { requestId, cts };
    const options = chatOptions(vscode.workspace.getConfiguration().get('auro'));
    const params: ChatParams = { message: text, requestId, ...options };
    if (this.sessionId) params.sessionId = this.sessionId;
    const ctx = this.context();
    if (ctx) {
      params.uri = ctx.uri;
      if (ctx.range) params.range = ctx.range;
    }
    this.router.begin(requestId, (event) => this.onStream(requestId, event), this.sessionId);
    this.post({ type: 'user', requestId, text });
    this.post({ type: 'busy', busy: true });
    try {
      const raw = await client.sendRequest<unknown>(Methods.chat, params, cts.token);
      if (cts.token.isCancellationRequested) return;
      const result = parseChatResult(raw, this.sessionId);
      if (result.sessionId) this.sessionId = result.sessionId;
      this.router.complete(requestId, result);
      if (result.error) this.post({ type: 'error', requestId, message: result.error });
    } catch (err) {
      if (cts.token.isCancellationRequested) this.router.cancel(requestId);
      else this.router.fail(requestId, errorMessage(err));
    } finally {
      if (this.active?.requestId === requestId) this.active = undefined;
      cts.dispose();
      this.post({ type: 'busy', busy: this.active !== undefined });
    }
  }

  stop(): void {
    const active = this.active;
    if (!active) return;
    active.cts.cancel(); // vscode-languageclient sends $/cancelRequest
    this.router.cancel(active.requestId);
  }

  private onStream(requestId: string, event: StreamEvent): void {
    switch (event.kind) {
      case 'delta':
        this.post({ type: 'delta', requestId, delta: event.delta });
        break;
      case 'done': {
        const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
        const citations = normalizeCitations(event.result.citations, root);
        this.citations.set(requestId, citations.map((c) => c.target));
        const msg: ToWebview = { type: 'done', requestId, text: event.text, citations: citations.map((c) => c.view) };
        const meta = answerMeta(event.result);
        if (meta) msg.provider = meta;
        if (event.result.notices?.length) msg.notices = event.result.notices;
        this.post(msg);
        break;
      }
      case 'cancelled':
        this.post({ type: 'cancelled', requestId, text: event.text });
        break;
      case 'error':
        this.post({ type: 'error', requestId, message: event.message });
        break;
    }
  }

  private html(): string {
    const webview = this.panel.webview;
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'chat.css'));
    const nonce = makeNonce();
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource}; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>Auro Chat</title>
</head>
<body>
<main id="log" aria-live="polite"></main>
<form id="form">
  <textarea id="input" rows="3" placeholder="Ask about your code… (Enter to send, Shift+Enter for a new line)"></textarea>
  <div class="buttons">
    <button id="send" type="submit">Send</button>
    <button id="stop" type="button" disabled>Stop</button>
    <button id="new" type="button" class="secondary">New chat</button>
  </div>
</form>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }

  private disposed = false;

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.stop();
    ChatPanel.current = undefined;
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function zeroRange(): Range {
  return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
}

function makeNonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; i < 32; i++) out += chars.charAt(Math.floor(Math.random() * chars.length));
  return out;
}
