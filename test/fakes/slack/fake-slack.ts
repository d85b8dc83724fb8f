/**
 * A fake Slack for tests, on 127.0.0.1 with a free port: the Web API (web-api.ts), Socket Mode (socket-mode.ts)
 * and payload builders for what Slack sends a bot (event_callback envelopes, message events, block_actions), plus
 * signedPost for the Events API over HTTP (X-Slack-Signature v0 over `v0:<ts>:<body>`).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { slackSignature } from '../../../host/channels/slack/signature.js';
import { FakeSocketMode } from './socket-mode.js';
import { FakeWebApi, type Identity, type SlackUser } from './web-api.js';

const FAKE_IDENTITY: Identity = {
  teamId: 'TFAKE01',
  teamName: 'Fake Team',
  botUserId: 'UBOT0001',
  botName: 'nanobot',
  botId: 'BBOT0001',
  botToken: 'xoxb-fake-bot-token',
  appToken: 'xapp-fake-app-token',
};

export class FakeSlack {
  readonly api: FakeWebApi;
  readonly socket: FakeSocketMode;
  private constructor(
    private readonly server: http.Server,
    readonly id: Identity,
  ) {
    this.api = new FakeWebApi(id, () => this.baseUrl);
    this.socket = new FakeSocketMode(server);
    server.on('request', (req, res) => {
      this.api.handle(req, res, new URL(req.url ?? '/', this.baseUrl)).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(err));
      });
    });
  }

  static async start(id: Partial<Identity> = {}): Promise<FakeSlack> {
    const server = http.createServer();
    const fake = new FakeSlack(server, { ...FAKE_IDENTITY, ...id });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The SLACK_API_URL to give the adapter. */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  addUser(userId: string, name: string, teamId = this.id.teamId): SlackUser {
    const user = { id: userId, team_id: teamId, name, real_name: name, profile: { display_name: name } };
    this.api.users.set(userId, user);
    return user;
  }

  /** Hosts bytes for an inbound file and returns the file object a message event carries. */
  hostFile(name: string, data: Buffer, mimetype = 'application/octet-stream'): Record<string, unknown> {
    const id = `FIN${String(this.api.hosted.size + 1).padStart(5, '0')}`;
    this.api.hosted.set(id, { data, mimetype });
    return {
      id,
      name,
      mimetype,
      size: data.length,
      url_private: `${this.baseUrl}/files/${id}`,
      mode: 'hosted',
    };
  }

  /** A message event as Slack sends it for a user's message. */
  message(
    fields: { channel: string; user: string; text: string } & Record<string, unknown>,
  ): Record<string, unknown> {
    return {
      type: 'message',
      channel_type: fields.channel.startsWith('D') ? 'im' : 'channel',
      ts: this.api.nextTs(),
      team: this.id.teamId,
      ...fields,
    };
  }

  /** A rich_text block mentioning the bot, the way Slack clients encode an @-mention. */
  mentionBlocks(text: string): unknown[] {
    return [
      {
        type: 'rich_text',
        block_id: 'b1',
        elements: [
          {
            type: 'rich_text_section',
            elements: [
              { type: 'user', user_id: this.id.botUserId },
              { type: 'text', text: ` ${text}` },
            ],
          },
        ],
      },
    ];
  }

  /** The event_callback payload around an event; the same eventId marks a redelivery. */
  eventCallback(
    event: Record<string, unknown>,
    eventId = `Ev${randomUUID().slice(0, 8)}`,
  ): Record<string, unknown> {
    return {
      token: 'legacy-verification-token',
      team_id: this.id.teamId,
      api_app_id: 'AFAKE',
      type: 'event_callback',
      event_id: eventId,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: this.id.teamId, user_id: this.id.botUserId, is_bot: true }],
      event,
    };
  }

  /** A block_actions payload: `user` clicked the button `actionId` (value) on the bot's message. */
  blockAction(opts: {
    user: string;
    channel: string;
    messageTs: string;
    actionId: string;
    value: string;
    label?: string;
  }): Record<string, unknown> {
    const msg = this.api.posted.find((p) => p.ts === opts.messageTs);
    return {
      type: 'block_actions',
      team: { id: this.id.teamId, domain: 'fake' },
      user: { id: opts.user, team_id: this.id.teamId, username: opts.user, name: opts.user },
      api_app_id: 'AFAKE',
      token: 'legacy-verification-token',
      trigger_id: '1.2.3',
      container: { type: 'message', message_ts: opts.messageTs, channel_id: opts.channel },
      channel: { id: opts.channel, name: 'chat' },
      message: { type: 'message', ts: opts.messageTs, text: msg?.text ?? '', blocks: msg?.blocks ?? [] },
      response_url: `${this.baseUrl}/respond`,
      actions: [
        {
          type: 'button',
          action_id: opts.actionId,
          block_id: 'q',
          value: opts.value,
          text: { type: 'plain_text', text: opts.label ?? opts.value },
          action_ts: String(Date.now() / 1000),
        },
      ],
    };
  }

  async close(): Promise<void> {
    await this.socket.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/**
 * POSTs a body to an Events API endpoint signed as Slack would (or badly, when asked). `form` sends it the way
 * Slack sends interactivity: `payload=<json>` url-encoded.
 */
export async function signedPost(
  url: string,
  secret: string,
  body: unknown,
  opts: { timestamp?: number; retryNum?: number; signature?: string; form?: boolean } = {},
): Promise<{ status: number; text: string }> {
  const raw = opts.form
    ? new URLSearchParams({ payload: JSON.stringify(body) }).toString()
    : typeof body === 'string'
      ? body
      : JSON.stringify(body);
  const ts = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': opts.form ? 'application/x-www-form-urlencoded' : 'application/json',
      'x-slack-request-timestamp': ts,
      'x-slack-signature': opts.signature ?? slackSignature(secret, ts, raw),
      ...(opts.retryNum
        ? { 'x-slack-retry-num': String(opts.retryNum), 'x-slack-retry-reason': 'http_timeout' }
        : {}),
    },
    body: raw,
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, text: await res.text() };
}
