/**
 * The web chat page: one static HTML file, no build step. Query parameters: chat (default: the seeded chat) and
 * thread. It authenticates with the session cookie the sign-in URL set (same-origin fetch and EventSource send it);
 * it never names a sender and never puts a token in a URL.
 * The routes and the event name come from web-api.ts; the script runs in the browser, where EventSource parses the
 * stream, so it names the fields of WebMessage, PostMessage, PostAction and MessageAccepted itself (page.test.ts
 * runs it against the schemas).
 */
import { MESSAGE_EVENT, WEB_ROUTES } from './web-api.js';

export const WEB_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>NanoClaw</title>
<style>
  :root { font-family: system-ui, sans-serif; color-scheme: light dark; }
  body { margin: 0; display: flex; flex-direction: column; height: 100vh; }
  header { padding: .6rem 1rem; border-bottom: 1px solid #8884; font-weight: 600; }
  header small { font-weight: normal; opacity: .7; margin-left: .5rem; }
  #log { flex: 1; overflow-y: auto; padding: 1rem; display: flex; flex-direction: column; gap: .5rem; }
  .msg { max-width: 75%; padding: .5rem .75rem; border-radius: .75rem; white-space: pre-wrap; word-wrap: break-word; }
  .me { align-self: flex-end; background: #2b6cb0; color: white; }
  .agent { align-self: flex-start; background: #8882; }
  .note { align-self: center; font-size: .85rem; opacity: .7; }
  .options button { margin: .4rem .4rem 0 0; }
  form { display: flex; gap: .5rem; padding: .75rem 1rem; border-top: 1px solid #8884; }
  textarea { flex: 1; resize: none; font: inherit; padding: .5rem; }
</style>
</head>
<body>
<header>NanoClaw <small id="who"></small></header>
<main id="log" aria-live="polite"></main>
<form id="form">
  <textarea id="text" rows="2" placeholder="Message the agent (Enter to send, Shift+Enter for a new line)" autofocus></textarea>
  <button type="submit">Send</button>
</form>
<script>
  const q = new URLSearchParams(location.search);
  const chat = q.get('chat') || '';
  const thread = q.get('thread');
  const headers = { 'content-type': 'application/json' };
  document.getElementById('who').textContent = chat ? 'in ' + chat : '';
  const log = document.getElementById('log');
  function add(cls, text) {
    const div = document.createElement('div');
    div.className = 'msg ' + cls;
    div.textContent = text;
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
    return div;
  }
  async function post(path, body) {
    const res = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body) });
    const data = await res.json().catch(() => ({}));
    if (res.status === 401) throw new Error('not signed in: open the sign-in URL the host printed');
    if (!res.ok) throw new Error(data.error || res.statusText);
    return data;
  }
  const params = new URLSearchParams();
  if (chat) params.set('chat', chat);
  const es = new EventSource('${WEB_ROUTES.events}?' + params);
  es.addEventListener('${MESSAGE_EVENT}', (ev) => {
    const m = JSON.parse(ev.data);
    if (thread && m.thread !== thread) return;
    const div = add('agent', m.text);
    if (m.question) {
      const box = document.createElement('div');
      box.className = 'options';
      for (const o of m.question.options) {
        const b = document.createElement('button');
        b.textContent = o.label;
        b.onclick = () => post('${WEB_ROUTES.actions}', { questionId: m.question.questionId, value: o.value })
          .then(() => { box.remove(); add('note', 'You chose: ' + o.label); })
          .catch((e) => add('note', e.message));
        box.appendChild(b);
      }
      div.appendChild(box);
    }
  });
  es.onerror = () => add('note', 'connection lost, retrying... (signed out? open the sign-in URL again)');
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
    add('me', text);
    const body = { text };
    if (chat) body.chat = chat;
    if (thread) body.thread = thread;
    try {
      const r = await post('${WEB_ROUTES.messages}', body);
      if (r.dropped && r.delivered === 0) add('note', 'not delivered to an agent: ' + r.dropped);
    } catch (err) { add('note', err.message); }
  });
</script>
</body>
</html>
`;
