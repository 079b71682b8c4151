/** "Auro: Search Codebase": a QuickPick with live, debounced `auro/search` results. */

import * as path from 'path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

import { Methods } from './core/protocol';
import { Debouncer, LatestOnly, SearchPickItem, SearchTarget, toPickItems } from './core/searchItems';
import { searchOptions } from './core/settings';
import { errorMessage } from './status';

type Item = vscode.QuickPickItem & { target?: SearchTarget };

export function targetUri(target: SearchTarget): vscode.Uri | undefined {
  if (target.uri) return vscode.Uri.parse(target.uri);
  if (!target.path) return undefined;
  if (path.isAbsolute(target.path)) return vscode.Uri.file(target.path);
  const root = vscode.workspace.workspaceFolders?.[0]?.uri;
  return root ? vscode.Uri.joinPath(root, target.path) : undefined;
}

export async function openTarget(target: SearchTarget): Promise<void> {
  const uri = targetUri(target);
  if (!uri) return;
  const r = target.range;
  const range = new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
  await vscode.window.showTextDocument(uri, { selection: new vscode.Range(range.start, range.start), preview: true });
  const editor = vscode.window.activeTextEditor;
  editor?.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

export function searchCodebase(client: LanguageClient | undefined, initialQuery?: string): void {
  if (!client || !client.isRunning()) {
    void vscode.window.showWarningMessage('Auro-PAI: the language server is not running.');
    return;
  }
  const options = searchOptions(vscode.workspace.getConfiguration().get('auro'));
  const pick = vscode.window.createQuickPick<Item>();
  pick.title = 'Auro: Search Codebase';
  pick.placeholder = 'Describe what you are looking for (semantic + keyword search)';
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  const latest = new LatestOnly();
  let cts: vscode.CancellationTokenSource | undefined;

  const run = async (query: string) => {
    cts?.cancel();
    cts?.dispose();
    const ticket = latest.next();
    if (!query.trim()) {
      pick.items = [];
      pick.busy = false;
      return;
    }
    cts = new vscode.CancellationTokenSource();
    pick.busy = true;
    try {
      const response = await client.sendRequest(Methods.search, { query, k: options.maxResults }, cts.token);
      if (!latest.isLatest(ticket)) return;
      const items = toPickItems(response);
      // The server already ranked and filtered: keep every result visible while typing.
      pick.items = items.length
        ? items.map((i: SearchPickItem) => ({ ...i, alwaysShow: true }))
        : [{ label: 'No results', alwaysShow: true }];
    } catch (err) {
      if (!latest.isLatest(ticket)) return;
      pick.items = [{ label: '$(error) Search failed', detail: errorMessage(err), alwaysShow: true }];
    } finally {
      if (latest.isLatest(ticket)) pick.busy = false;
    }
  };

  const debouncer = new Debouncer<string>(options.debounceMs, (q) => void run(q));
  pick.onDidChangeValue((value) => {
    pick.busy = value.trim().length > 0;
    debouncer.push(value);
  });
  pick.onDidAccept(() => {
    const item = pick.selectedItems[0];
    if (item?.target) {
      void openTarget(item.target);
      pick.hide();
    }
  });
  pick.onDidHide(() => {
    debouncer.cancel();
    latest.reset();
    cts?.cancel();
    cts?.dispose();
    pick.dispose();
  });
  if (initialQuery) {
    pick.value = initialQuery;
    void run(initialQuery);
  }
  pick.show();
}
