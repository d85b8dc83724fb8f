/**
 * The web chat page: one static HTML file, no build step. Query parameters: `chat` (default: the host's default
 * chat) and `thread`. It authenticates with the session cookie the sign-in URL set (same-origin fetch and
 * EventSource send it); it never names a sender and never puts a token in a URL.
 *
 * Invariants:
 * - Message bodies are inserted only as the host-rendered safe HTML (WebMessage.html, markdown.ts); everything
 *   else the page shows is set as text. The page is served with a Content-Security-Policy that allows only this
 *   file's own script and style (by hash), so even a renderer bug could not run a script.
 * - An event id is shown once (the stream replays history on connect and after a reconnect); the person's own
 *   message, shown at once as "sending", becomes the stored one when its event arrives, in whichever order the
 *   202 answer and the event come.
 * - A lost connection shows one status line, not a line per retry, and one "reconnected" notice when it is back.
 * The routes, event names and drop sentences come from web-api.ts; the script names the fields of WebMessage,
 * WebTyping, ChatList, PostMessage, PostAction and MessageAccepted itself (the browser tier exercises it).
 */
import { createHash } from 'node:crypto';
import { DROP_SENTENCES, IDEMPOTENCY_HEADER, MESSAGE_EVENT, TYPING_EVENT, WEB_ROUTES } from './web-api.js';

/** How often the page asks again which chats the user may open (a new DM shows up without a reload). */
const CHAT_LIST_REFRESH_MS = 10_000;

const STYLE = `
  :root { font-family: system-ui, sans-serif; color-scheme: light dark; --line: #8884; }
  * { box-sizing: border-box; }
  body { margin: 0; display: flex; flex-direction: column; height: 100vh; height: 100dvh; }
  header { display: flex; align-items: center; gap: .75rem; padding: .5rem 1rem; border-bottom: 1px solid var(--line); }
  header strong { font-size: 1.05rem; }
  header select { font: inherit; max-width: 50vw; }
  #status { margin-left: auto; font-size: .85rem; color: #b7791f; }
  #log { flex: 1; overflow-y: auto; padding: 1rem; display: flex; flex-direction: column; gap: .6rem; }
  .msg { max-width: min(75%, 48rem); padding: .5rem .75rem; border-radius: .75rem; overflow-wrap: anywhere; }
  .msg .author { font-size: .78rem; font-weight: 600; opacity: .75; margin-bottom: .15rem; }
  .msg .body > :first-child { margin-top: 0; }
  .msg .body > :last-child { margin-bottom: 0; }
  .msg pre { overflow-x: auto; padding: .5rem; border-radius: .4rem; background: #0001; }
  .msg code { font-family: ui-monospace, monospace; font-size: .9em; }
  .msg table { border-collapse: collapse; }
  .msg th, .msg td { border: 1px solid var(--line); padding: .2rem .4rem; }
  .msg blockquote { margin: 0; padding-left: .6rem; border-left: 3px solid var(--line); }
  .me { align-self: flex-end; background: #2b6cb0; color: white; }
  .me a { color: inherit; }
  .me.pending { opacity: .6; }
  .user, .agent { align-self: flex-start; background: #8882; }
  .host { align-self: center; max-width: 90%; font-size: .9rem; background: #3182ce22; border: 1px solid #3182ce55; }
  .host.error, .note.error { background: #e53e3e1c; border: 1px solid #e53e3e88; color: #c53030; }
  .note { align-self: center; font-size: .85rem; padding: .3rem .6rem; border-radius: .5rem; opacity: .85; }
  .options button { margin: .4rem .4rem 0 0; font: inherit; }
  #working { min-height: 1.4rem; padding: 0 1rem; font-size: .85rem; font-style: italic; opacity: .8; }
  form { display: flex; gap: .5rem; padding: .5rem 1rem .75rem; border-top: 1px solid var(--line); }
  textarea { flex: 1; resize: none; font: inherit; padding: .5rem; min-width: 0; }
  @media (max-width: 480px) { .msg { max-width: 90%; } header { padding: .5rem .6rem; } }
`;

const SCRIPT = `
  const q = new URLSearchParams(location.search);
  let chat = q.get('chat') || '';
  const thread = q.get('thread');
  const DROP = ${JSON.stringify(DROP_SENTENCES)};
  const log = document.getElementById('log');
  const statusLine = document.getElementById('status');
  const workingLine = document.getElementById('working');
  const picker = document.getElementById('chats');
  let me = null;
  const seen = new Set();
  const pending = new Map();
  const working = new Map();
  let lastEventId = null;
  let lost = false;
  let source = null;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function scrollDown() { log.scrollTop = log.scrollHeight; }
  function note(text, error) {
    const div = el('div', 'note' + (error ? ' error' : ''), text);
    log.appendChild(div);
    scrollDown();
    return div;
  }
  function dropSentence(reason) {
    if (!reason || reason === 'command') return null;
    return DROP[reason] || ('Your message reached no agent (' + reason + ').');
  }
  function randomKey() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }
  async function post(path, body, extra) {
    const res = await fetch(path, {
      method: 'POST',
      headers: Object.assign({ 'content-type': 'application/json' }, extra || {}),
      body: JSON.stringify(body),
    });
    const data = await res.json().catch(() => ({}));
    if (res.status === 401) throw new Error('You are signed out: open the sign-in URL the host printed.');
    if (!res.ok) throw new Error(data.error || res.statusText);
    return data;
  }

  function bubbleClass(m) {
    if (m.author.kind === 'user') return me && m.author.name === me.name ? 'me' : 'user';
    if (m.author.kind === 'host') return m.level === 'error' ? 'host error' : 'host';
    return 'agent';
  }
  function fill(div, m) {
    div.className = 'msg ' + bubbleClass(m);
    div.dataset.id = m.id;
    div.textContent = '';
    if (m.createdAt) div.title = new Date(m.createdAt).toLocaleString();
    if (div.className !== 'msg me') div.appendChild(el('div', 'author', m.author.name));
    const body = el('div', 'body');
    body.innerHTML = m.html;
    div.appendChild(body);
    if (m.question) div.appendChild(card(m.question));
  }
  function card(question) {
    const box = el('div', 'options');
    for (const o of question.options) {
      const b = el('button', '', o.label);
      b.type = 'button';
      b.onclick = () => post('${WEB_ROUTES.actions}', { questionId: question.questionId, value: o.value })
        .then(() => { box.remove(); note('You chose: ' + o.label); })
        .catch((e) => note(e.message, true));
      box.appendChild(b);
    }
    return box;
  }
  function showMessage(eventId, m) {
    if (eventId) {
      if (seen.has(eventId)) return;
      seen.add(eventId);
      lastEventId = eventId;
    }
    if (thread && m.thread !== thread) return;
    if (m.author.agentGroupId) stopWorking(m.author.agentGroupId, m.thread);
    const mine = pending.get(m.id);
    if (mine) { pending.delete(m.id); fill(mine, m); return; }
    if (log.querySelector('[data-id="' + CSS.escape(m.id) + '"]')) return;
    const div = el('div');
    fill(div, m);
    log.appendChild(div);
    scrollDown();
  }

  function renderWorking() {
    const names = Array.from(new Set(working.values()));
    workingLine.textContent = names.length ? names.join(', ') + (names.length > 1 ? ' are' : ' is') + ' working…' : '';
  }
  function stopWorking(agentId, t) {
    working.delete(agentId + ' ' + (t || ''));
    renderWorking();
  }
  function onTyping(t) {
    if (thread && t.thread !== thread) return;
    const key = (t.agent ? t.agent.id : '') + ' ' + (t.thread || '');
    if (t.active) working.set(key, t.agent ? t.agent.name : 'The agent');
    else working.delete(key);
    renderWorking();
  }

  function connect() {
    const params = new URLSearchParams();
    if (chat) params.set('chat', chat);
    if (lastEventId) params.set('after', lastEventId);
    source = new EventSource('${WEB_ROUTES.events}?' + params);
    source.addEventListener('${MESSAGE_EVENT}', (ev) => showMessage(ev.lastEventId, JSON.parse(ev.data)));
    source.addEventListener('${TYPING_EVENT}', (ev) => onTyping(JSON.parse(ev.data)));
    source.onopen = () => {
      statusLine.textContent = '';
      if (lost) { lost = false; note('Reconnected.'); }
    };
    source.onerror = () => {
      working.clear();
      renderWorking();
      if (!lost) { lost = true; statusLine.textContent = 'Connection lost, reconnecting…'; }
      if (source.readyState === EventSource.CLOSED) {
        // The host answered with an error (signed out, too many streams): try again ourselves, from where we were.
        source.close();
        setTimeout(() => whoAmI().then(connect, (e) => { statusLine.textContent = e.message; setTimeout(connect, 5000); }), 3000);
      }
    };
  }

  async function whoAmI() {
    const res = await fetch('${WEB_ROUTES.chats}');
    if (res.status === 401) throw new Error('You are signed out: open the sign-in URL the host printed.');
    if (!res.ok) throw new Error('The host answered ' + res.status + '.');
    return res.json();
  }
  function showChats(list) {
    me = list.me;
    chat = chat || list.defaultChat;
    const ids = list.chats.map((c) => c.id);
    if (!ids.includes(chat)) list.chats.unshift({ id: chat, name: null, kind: 'chat' });
    picker.textContent = '';
    for (const c of list.chats) {
      const o = el('option', '', (c.kind === 'dm' ? 'Direct: ' : '') + (c.name || c.id));
      o.value = c.id;
      o.selected = c.id === chat;
      picker.appendChild(o);
    }
    document.title = 'NanoClaw · ' + (list.chats.find((c) => c.id === chat).name || chat);
  }
  picker.addEventListener('change', () => {
    const next = new URLSearchParams({ chat: picker.value });
    location.search = '?' + next;
  });

  const form = document.getElementById('form');
  const input = document.getElementById('text');
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    const bubble = el('div', 'msg me pending', text);
    log.appendChild(bubble);
    scrollDown();
    const body = { text };
    if (chat) body.chat = chat;
    if (thread) body.thread = thread;
    const key = { '${IDEMPOTENCY_HEADER}': randomKey() };
    let r;
    try {
      // One retry with the same key when the answer was lost: the host accepts the message at most once.
      r = await post('${WEB_ROUTES.messages}', body, key).catch((err) => {
        if (!(err instanceof TypeError)) throw err;
        return new Promise((ok) => setTimeout(ok, 1000)).then(() => post('${WEB_ROUTES.messages}', body, key));
      });
    } catch (err) {
      bubble.classList.remove('pending');
      note('Not sent: ' + err.message, true);
      return;
    }
    if (log.querySelector('.msg:not(.pending)[data-id="' + CSS.escape(r.id) + '"]')) bubble.remove();
    else { bubble.classList.remove('pending'); bubble.dataset.id = r.id; pending.set(r.id, bubble); }
    const why = r.delivered === 0 ? dropSentence(r.dropped) : null;
    if (why) note(why, true);
  });

  whoAmI().then((list) => { showChats(list); connect(); }, (e) => { note(e.message, true); });
  // A chat that appears later (the DM an approval card opens for this user) joins the list without a reload.
  setInterval(() => { whoAmI().then(showChats, () => {}); }, ${CHAT_LIST_REFRESH_MS});
`;

const hash = (s: string): string => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;

/** The page's Content-Security-Policy: its own inline script and style only, same-origin requests only. */
export const WEB_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${hash(SCRIPT)}`,
  `style-src ${hash(STYLE)}`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const WEB_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>NanoClaw</title>
<style>${STYLE}</style>
</head>
<body>
<header><strong>NanoClaw</strong><select id="chats" aria-label="Chat"></select><span id="status" role="status"></span></header>
<main id="log" aria-live="polite"></main>
<div id="working" aria-live="polite"></div>
<form id="form">
  <textarea id="text" rows="2" placeholder="Message the agent (Enter to send, Shift+Enter for a new line)" autofocus></textarea>
  <button type="submit">Send</button>
</form>
<script>${SCRIPT}</script>
</body>
</html>
`;
