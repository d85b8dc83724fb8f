import { describe, expect, it } from 'vitest';
import {
  chatConfigRequest,
  choiceOf,
  registeredChatName,
  registrationCardText,
  registrationOptions,
  registrationWiring,
} from './channel-registration-plan.js';

const chat = { channelType: 'telegram', platformId: '-100', name: null, isGroup: true };

describe('channel registration plan', () => {
  it('offers the oldest four agent groups, a new agent and reject, with opaque button values', () => {
    const groups = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, name: id.toUpperCase() }));
    const options = registrationOptions(groups);
    expect(options.map((o) => o.value)).toEqual([
      'connect-1',
      'connect-2',
      'connect-3',
      'connect-4',
      'new',
      'reject',
    ]);
    expect(options[0]).toEqual({ label: 'Connect to A', value: 'connect-1', agentGroupId: 'a' });
  });

  it('decides what the clicked button said, by value or by position, and nothing for an unknown button', () => {
    const options = registrationOptions([{ id: 'ns/assistant', name: 'Assistant' }]);
    expect(choiceOf(options, { value: 'connect-1' })).toEqual({
      kind: 'connect',
      agentGroupId: 'ns/assistant',
    });
    expect(choiceOf(options, { index: 1 })).toEqual({ kind: 'new' });
    expect(choiceOf(options, { value: 'reject' })).toEqual({ kind: 'reject' });
    expect(choiceOf(options, { value: 'connect-2' })).toBeNull();
    expect(choiceOf(options, { index: 7 })).toBeNull();
    expect(choiceOf(options, { value: 'ns/assistant' })).toBeNull();
  });

  it('wires threaded chats mention-sticky and others to every message, known senders only, the rest as context', () => {
    expect(registrationWiring('42')).toMatchObject({ engageMode: 'mention-sticky', engagePattern: null });
    expect(registrationWiring(null)).toEqual({
      engageMode: 'pattern',
      engagePattern: '.',
      senderScope: 'known',
      ignoredMessages: 'accumulate',
      sessionMode: 'shared',
      priority: 0,
    });
  });

  it('names a chat deterministically as a DNS label, also for a named bot’s channel', () => {
    expect(registeredChatName(chat)).toMatch(/^chat-telegram-[0-9a-f]{10}$/);
    expect(registeredChatName(chat)).toBe(registeredChatName({ ...chat }));
    expect(registeredChatName({ ...chat, platformId: '-101' })).not.toBe(registeredChatName(chat));
    expect(registeredChatName({ ...chat, channelType: 'telegram-work' })).toMatch(
      /^chat-telegram-work-[0-9a-f]{10}$/,
    );
  });

  it('asks for a new agent group named after the chat, or wires the existing one', () => {
    const fresh = chatConfigRequest(chat, null, { kind: 'new' }, null);
    expect(fresh.agentGroup).toEqual({
      create: { name: fresh.name, displayName: 'Agent for telegram group -100', folder: fresh.name },
    });
    const existing = chatConfigRequest(
      chat,
      '7',
      { kind: 'connect', agentGroupId: 'assistant' },
      'Assistant',
    );
    expect(existing.agentGroup).toEqual({ existing: { id: 'assistant', displayName: 'Assistant' } });
    expect(existing.wiring.engageMode).toBe('mention-sticky');
  });

  it('quotes a long message shortly on the card', () => {
    const text = registrationCardText(chat, 'Bob (telegram:2)', 'x'.repeat(1000));
    expect(text).toMatch(/^New chat: Bob \(telegram:2\) wrote to the bot in telegram group -100/);
    expect(text).toContain(`> ${'x'.repeat(300)}…`);
  });
});
