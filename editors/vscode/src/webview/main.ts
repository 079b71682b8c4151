/** The chat webview's script (bundled to dist/webview.js). Renders text only, never HTML. */

import { FromWebview, ToWebview, parseToWebview } from '../core/webviewProtocol';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const log = document.getElementById('log') as HTMLElement;
const form = document.getElementById('form') as HTMLFormElement;
const input = document.getElementById('input') as HTMLTextAreaElement;
const sendButton = document.getElementById('send') as HTMLButtonElement;
const stopButton = document.getElementById('stop') as HTMLButtonElement;
const newButton = document.getElementById('new') as HTMLButtonElement;

const answers = new Map<string, HTMLElement>();

function post(message: FromWebview): void {
  vscode.postMessage(message);
}

function add(kind: string, text: string): HTMLElement {
  const el = document.createElement('div');
  el.className = `msg ${kind}`;
  const body = document.createElement('div');
  body.className = 'body';
  body.textContent = text;
  el.appendChild(body);
  log.appendChild(el);
  log.scrollTop = log.scrollHeight;
  return el;
}

function answer(requestId: string): HTMLElement {
  let el = answers.get(requestId);
  if (!el) {
    el = add('assistant streaming', '');
    answers.set(requestId, el);
  }
  return el;
}

function setText(el: HTMLElement, text: string): void {
  const body = el.querySelector('.body');
  if (body) body.textContent = text;
  log.scrollTop = log.scrollHeight;
}

function handle(message: ToWebview): void {
  switch (message.type) {
    case 'reset':
      log.textContent = '';
      answers.clear();
      break;
    case 'user':
      add('user', message.text);
      answer(message.requestId);
      break;
    case 'delta': {
      const el = answer(message.requestId);
      const body = el.querySelector('.body');
      if (body) body.textContent = (body.textContent ?? '') + message.delta;
      log.scrollTop = log.scrollHeight;
      break;
    }
    case 'done': {
      const el = answer(message.requestId);
      el.classList.remove('streaming');
      setText(el, message.text);
      if (message.citations.length) {
        const list = document.createElement('ul');
        list.className = 'citations';
        message.citations.forEach((c, index) => {
          const li = document.createElement('li');
          const a = document.createElement('a');
          a.href = '#';
          a.textContent = c.label;
          a.title = c.uri;
          a.addEventListener('click', (ev) => {
            ev.preventDefault();
            post({ type: 'openCitation', requestId: message.requestId, index });
          });
          li.appendChild(a);
          list.appendChild(li);
        });
        el.appendChild(list);
      }
      if (message.notices?.length) {
        const list = document.createElement('ul');
        list.className = 'notices';
        for (const notice of message.notices) {
          const li = document.createElement('li');
          li.textContent = notice;
          list.appendChild(li);
        }
        el.appendChild(list);
      }
      if (message.provider) {
        const meta = document.createElement('div');
        meta.className = 'meta';
        meta.textContent = message.provider;
        el.appendChild(meta);
      }
      break;
    }
    case 'cancelled': {
      const el = answer(message.requestId);
      el.classList.remove('streaming');
      el.classList.add('cancelled');
      setText(el, message.text);
      const meta = document.createElement('div');
      meta.className = 'meta';
      meta.textContent = 'Stopped';
      el.appendChild(meta);
      break;
    }
    case 'error': {
      if (message.requestId) {
        const el = answers.get(message.requestId);
        el?.classList.remove('streaming');
      }
      add('error', message.message);
      break;
    }
    case 'busy':
      sendButton.disabled = message.busy;
      stopButton.disabled = !message.busy;
      break;
  }
}

window.addEventListener('message', (event: MessageEvent) => {
  const message = parseToWebview(event.data);
  if (message) handle(message);
});

function submit(): void {
  const text = input.value;
  if (!text.trim() || sendButton.disabled) return;
  post({ type: 'send', text });
  input.value = '';
}

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  submit();
});
input.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
    ev.preventDefault();
    submit();
  }
});
stopButton.addEventListener('click', () => post({ type: 'stop' }));
newButton.addEventListener('click', () => post({ type: 'newSession' }));

post({ type: 'ready' });
input.focus();
