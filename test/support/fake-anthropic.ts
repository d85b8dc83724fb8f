/**
 * A fake Anthropic Messages API on 127.0.0.1 that speaks the real wire protocol, so the real Claude Agent SDK
 * (and the Claude Code binary it launches) can be driven in tests without a network:
 * - POST /v1/messages, streaming (SSE: message_start, content_block_start/delta/stop, message_delta,
 *   message_stop) or plain JSON, with text or tool_use content;
 * - POST /v1/messages/count_tokens;
 * - GET /v1/models (one fake model), the call the host checks its key with;
 * - started with `apiKey`, every call with another x-api-key gets 401 authentication_error, as the real API;
 * - every request is recorded (path, headers, body) so tests can check what credentials arrived.
 *
 * The default script (override with `respond`):
 * - the last user-role message carries a tool_result → text "Tool said: <result text>";
 * - the newest <message> of the prompt contains SEND_TO:<name> and the send_message MCP tool is offered →
 *   a tool_use of mcp__nanoclaw__send_message {to: name, text: "hello from the model"};
 * - it contains MCP_CALL:<tool>:<text> and that tool is offered → a tool_use of <tool> {text} (e.g.
 *   MCP_CALL:mcp__echo__echo:hi, for a configured MCP server);
 * - it contains API_ERROR → HTTP 400 invalid_request_error;
 * - it contains SLOW:<ms> → the reply below, sent only after <ms> milliseconds (a turn still running);
 * - otherwise text "Fake model reply to: <that message's text>".
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: MessagesBody;
}

interface ContentBlock {
  type: string;
  text?: string;
  content?: string | ContentBlock[];
}
interface MessageParam {
  role: 'user' | 'assistant' | 'system';
  content: string | ContentBlock[];
}
export interface MessagesBody {
  model?: string;
  stream?: boolean;
  messages?: MessageParam[];
  system?: string | ContentBlock[];
  tools?: { name: string }[];
}

export type FakeReply =
  | { text: string; delayMs?: number }
  | { toolUse: { name: string; input: unknown } }
  | { error: { status: number; type: string; message: string } };

type OutBlock =
  { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown };

export const SEND_TOOL = 'mcp__nanoclaw__send_message';

function blocks(content: string | ContentBlock[] | undefined): ContentBlock[] {
  if (content === undefined) return [];
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}

function withoutReminders(text: string): string {
  return text.replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, '').trim();
}

/** The last user-role message (Claude Code may append a system-role message after it). */
function lastUserMessage(body: MessagesBody): MessageParam | undefined {
  return body.messages?.filter((m) => m.role === 'user').pop();
}

/** The text of the newest <message> element in the last user turn (the runner's prompt format). */
function lastPromptMessage(body: MessagesBody): string {
  const last = lastUserMessage(body);
  const text = blocks(last?.content)
    .filter((b) => b.type === 'text')
    .map((b) => withoutReminders(b.text ?? ''))
    .join('\n');
  const all = [...text.matchAll(/<message [^>]*>([\s\S]*?)<\/message>/g)];
  return all.length ? all[all.length - 1]![1]!.trim() : text;
}

function defaultRespond(body: MessagesBody): FakeReply {
  const last = lastUserMessage(body);
  const results = blocks(last?.content).filter((b) => b.type === 'tool_result');
  if (results.length) {
    const text = results
      .flatMap((r) => blocks(r.content))
      .map((b) => withoutReminders(b.text ?? ''))
      .filter(Boolean)
      .join(' ');
    return { text: `Tool said: ${text}` };
  }
  const prompt = lastPromptMessage(body);
  if (prompt.includes('API_ERROR')) {
    return {
      error: { status: 400, type: 'invalid_request_error', message: 'fake model refused the request' },
    };
  }
  const call = /MCP_CALL:([\w-]+):(\S+)/.exec(prompt);
  if (call && body.tools?.some((t) => t.name === call[1])) {
    return { toolUse: { name: call[1]!, input: { text: call[2] } } };
  }
  const to = /SEND_TO:([\w-]+)/.exec(prompt)?.[1];
  if (to && body.tools?.some((t) => t.name === SEND_TOOL)) {
    return { toolUse: { name: SEND_TOOL, input: { to, text: 'hello from the model' } } };
  }
  const slow = /SLOW:(\d+)/.exec(prompt)?.[1];
  return { text: `Fake model reply to: ${prompt}`, ...(slow ? { delayMs: Number(slow) } : {}) };
}

export class FakeAnthropic {
  readonly requests: RecordedRequest[] = [];
  private server: http.Server;
  private counter = 0;

  private constructor(
    private readonly respond: (body: MessagesBody) => FakeReply,
    private readonly apiKey: string | undefined,
  ) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
  }

  static async start(
    respond: (body: MessagesBody) => FakeReply = defaultRespond,
    opts: { apiKey?: string } = {},
  ): Promise<FakeAnthropic> {
    const f = new FakeAnthropic(respond, opts.apiKey);
    await new Promise<void>((resolve) => f.server.listen(0, '127.0.0.1', resolve));
    return f;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Model calls (not token counts). */
  messageRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path === '/v1/messages');
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    const path = (req.url ?? '/').split('?')[0]!;
    let body: MessagesBody;
    try {
      body = raw ? (JSON.parse(raw) as MessagesBody) : {};
    } catch {
      return json(res, 400, apiError('invalid_request_error', 'body is not JSON'));
    }
    this.requests.push({ method: req.method ?? '', path, headers: req.headers, body });
    if (this.apiKey !== undefined && req.headers['x-api-key'] !== this.apiKey)
      return json(res, 401, apiError('authentication_error', 'invalid x-api-key'));
    if (req.method === 'GET' && path === '/v1/models')
      return json(res, 200, {
        data: [
          {
            type: 'model',
            id: 'claude-fake',
            display_name: 'Claude Fake',
            created_at: '2026-01-01T00:00:00Z',
          },
        ],
        has_more: false,
        first_id: 'claude-fake',
        last_id: 'claude-fake',
      });
    if (req.method !== 'POST') return json(res, 404, apiError('not_found_error', `no route ${path}`));
    if (path === '/v1/messages/count_tokens') return json(res, 200, { input_tokens: 42 });
    if (path !== '/v1/messages') return json(res, 404, apiError('not_found_error', `no route ${path}`));
    const reply = this.respond(body);
    if ('error' in reply)
      return json(res, reply.error.status, apiError(reply.error.type, reply.error.message));
    if ('text' in reply && reply.delayMs) {
      const timer = setTimeout(() => this.reply(res, body, reply), reply.delayMs);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    this.reply(res, body, reply);
  }

  private reply(
    res: http.ServerResponse,
    body: MessagesBody,
    reply: Exclude<FakeReply, { error: unknown }>,
  ): void {
    const id = `msg_fake_${++this.counter}`;
    const content: OutBlock[] =
      'text' in reply
        ? [{ type: 'text', text: reply.text }]
        : [
            {
              type: 'tool_use',
              id: `toolu_fake_${this.counter}`,
              name: reply.toolUse.name,
              input: reply.toolUse.input,
            },
          ];
    const stopReason = 'text' in reply ? 'end_turn' : 'tool_use';
    const usage = { input_tokens: 12, output_tokens: 7 };
    const message = { id, type: 'message', role: 'assistant', model: body.model ?? 'claude-fake', content };
    if (!body.stream) {
      return json(res, 200, { ...message, stop_reason: stopReason, stop_sequence: null, usage });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const event = (type: string, data: Record<string, unknown>): void => {
      res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    };
    event('message_start', {
      message: {
        ...message,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    });
    content.forEach((block, index) => {
      if (block.type === 'text') {
        event('content_block_start', { index, content_block: { type: 'text', text: '' } });
        const text = block.text;
        const mid = Math.ceil(text.length / 2);
        for (const part of [text.slice(0, mid), text.slice(mid)]) {
          if (part) event('content_block_delta', { index, delta: { type: 'text_delta', text: part } });
        }
      } else {
        event('content_block_start', { index, content_block: { ...block, input: {} } });
        event('content_block_delta', {
          index,
          delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
        });
      }
      event('content_block_stop', { index });
    });
    event('message_delta', {
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: 7 },
    });
    event('message_stop', {});
    res.end();
  }
}

function apiError(type: string, message: string): Record<string, unknown> {
  return { type: 'error', error: { type, message } };
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
