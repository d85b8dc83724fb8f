import { describe, expect, it } from 'vitest';
import { fromSlackText, mapSlackEvent, mentionsUser } from './inbound.js';

const bot = { teamId: 'T1', userId: 'UBOT', botId: 'BBOT' };

function body(event: Record<string, unknown>) {
  return {
    team_id: 'T1',
    type: 'event_callback',
    event: {
      type: 'message',
      channel: 'C1',
      channel_type: 'channel',
      user: 'U2',
      text: 'hi',
      ts: '1700000000.000100',
      ...event,
    },
  };
}

const mentionBlocks = (userId: string) => [
  {
    type: 'rich_text',
    elements: [
      {
        type: 'rich_text_section',
        elements: [
          { type: 'user', user_id: userId },
          { type: 'text', text: ' hi' },
        ],
      },
    ],
  },
];

describe('mapSlackEvent', () => {
  it('maps a channel message with the workspace-scoped sender, ts as id and no mention', () => {
    const r = mapSlackEvent('slack', body({}), bot);
    expect(r).toEqual({
      ok: true,
      value: {
        userId: 'U2',
        files: [],
        message: {
          channelType: 'slack',
          platformId: 'C1',
          threadId: null,
          messageId: '1700000000.000100',
          senderHandle: 'T1:U2',
          text: 'hi',
          isMention: false,
          isGroup: true,
          timestamp: '2023-11-14T22:13:20.000Z',
        },
      },
    });
  });

  it('treats a DM as a mention and not a group', () => {
    const r = mapSlackEvent('slack', body({ channel: 'D9', channel_type: 'im' }), bot);
    expect(r.ok && r.value.message).toMatchObject({ isMention: true, isGroup: false, platformId: 'D9' });
  });

  it('detects a mention from the rich_text user element, not from the text', () => {
    const byBlock = mapSlackEvent('slack', body({ text: 'hello', blocks: mentionBlocks('UBOT') }), bot);
    expect(byBlock.ok && byBlock.value.message.isMention).toBe(true);
    const byText = mapSlackEvent(
      'slack',
      body({ text: '<@UBOT> hello', blocks: mentionBlocks('UOTHER') }),
      bot,
    );
    expect(byText.ok && byText.value.message.isMention).toBe(false);
    const appMention = mapSlackEvent('slack', body({ type: 'app_mention', channel_type: undefined }), bot);
    expect(appMention.ok && appMention.value.message).toMatchObject({ isMention: true, isGroup: true });
  });

  it('puts thread replies in their thread and keeps a thread parent top-level', () => {
    const reply = mapSlackEvent('slack', body({ thread_ts: '1699999999.000001' }), bot);
    expect(reply.ok && reply.value.message.threadId).toBe('1699999999.000001');
    const parent = mapSlackEvent('slack', body({ thread_ts: '1700000000.000100' }), bot);
    expect(parent.ok && parent.value.message.threadId).toBeNull();
  });

  it("uses the user's own team in a Slack Connect channel", () => {
    const r = mapSlackEvent('slack', body({ user_team: 'T9' }), bot);
    expect(r.ok && r.value.message.senderHandle).toBe('T9:U2');
  });

  it("drops the bot's own messages, other bots' messages and bot_message subtypes", () => {
    expect(mapSlackEvent('slack', body({ user: 'UBOT' }), bot)).toEqual({ ok: false, reason: 'own message' });
    expect(mapSlackEvent('slack', body({ bot_id: 'B7' }), bot)).toEqual({ ok: false, reason: 'bot message' });
    expect(mapSlackEvent('slack', body({ subtype: 'bot_message', user: undefined }), bot).ok).toBe(false);
  });

  it('drops housekeeping subtypes deliberately and keeps file shares', () => {
    expect(mapSlackEvent('slack', body({ subtype: 'channel_join' }), bot)).toEqual({
      ok: false,
      reason: 'subtype channel_join ignored',
    });
    expect(mapSlackEvent('slack', body({ subtype: 'file_share' }), bot).ok).toBe(true);
  });

  it('maps an edit to a new message id <ts>~<edit ts> with editOf', () => {
    const r = mapSlackEvent(
      'slack',
      body({
        subtype: 'message_changed',
        user: undefined,
        ts: '1700000050.000000',
        message: {
          user: 'U2',
          text: 'fixed',
          ts: '1700000000.000100',
          edited: { user: 'U2', ts: '1700000040.000000' },
        },
      }),
      bot,
    );
    expect(r.ok && r.value.message).toMatchObject({
      messageId: '1700000000.000100~1700000040.000000',
      editOf: '1700000000.000100',
      text: 'fixed',
      senderHandle: 'T1:U2',
    });
  });

  it('drops a message_changed that is no edit (a link unfurl) and edits by bots', () => {
    const unfurl = body({
      subtype: 'message_changed',
      message: { user: 'U2', text: 'x', ts: '1700000000.000100' },
    });
    expect(mapSlackEvent('slack', unfurl, bot).ok).toBe(false);
    const botEdit = body({
      subtype: 'message_changed',
      message: { user: 'UBOT', text: 'x', ts: '1700000000.000100', edited: { ts: '1700000001.000000' } },
    });
    expect(mapSlackEvent('slack', botEdit, bot)).toEqual({ ok: false, reason: 'own message' });
  });

  it('drops malformed payloads with a reason instead of throwing', () => {
    for (const bad of [
      null,
      'x',
      {},
      { event: { type: 'message' } },
      body({ channel: 42 }),
      body({ ts: 'now' }),
    ])
      expect(mapSlackEvent('slack', bad, bot).ok).toBe(false);
  });

  it('keeps downloadable files with their announced size', () => {
    const r = mapSlackEvent(
      'slack',
      body({
        subtype: 'file_share',
        files: [
          {
            id: 'F1',
            name: 'a.txt',
            mimetype: 'text/plain',
            size: 5,
            url_private: 'https://files.slack.com/a',
          },
          { id: 'F2', mode: 'tombstone' },
        ],
      }),
      bot,
    );
    expect(r.ok && r.value.files).toEqual([
      { id: 'F1', name: 'a.txt', mimetype: 'text/plain', size: 5, url_private: 'https://files.slack.com/a' },
    ]);
  });
});

describe('fromSlackText', () => {
  it('turns Slack markup into readable text and decodes entities', () => {
    expect(fromSlackText('<@U1> see <https://x.example|docs> &amp; <#C1|general> &lt;3 <!here>')).toBe(
      '@U1 see docs (https://x.example) & #general <3 @here',
    );
  });
});

describe('mentionsUser', () => {
  it('stops at a bounded depth', () => {
    let deep: unknown = { type: 'user', user_id: 'UBOT' };
    for (let i = 0; i < 50; i++) deep = { elements: [deep] };
    expect(mentionsUser([deep], 'UBOT')).toBe(false);
  });
});
