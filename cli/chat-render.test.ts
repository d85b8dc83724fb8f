import { describe, expect, it } from 'vitest';
import { renderMessage, WorkingIndicator, type RenderOptions } from './chat-render.js';

const plain: RenderOptions = { color: false, me: 'Alice', since: Date.parse('2026-12-01T10:00:00Z') };
const agent = { kind: 'agent' as const, name: 'assistant' };

describe('chat lines', () => {
  it("prefixes a reply with the agent's name and indents its further lines", () => {
    expect(renderMessage({ text: 'two\nlines', thread: null, author: agent }, plain)).toBe(
      'assistant: two\n  lines',
    );
  });

  it('marks host notices as NanoClaw, errors with "!" (red on a terminal)', () => {
    const host = { kind: 'host' as const, name: 'NanoClaw' };
    expect(
      renderMessage({ text: 'Session cleared.', thread: null, author: host, level: 'info' }, plain),
    ).toBe('NanoClaw: Session cleared.');
    const error = { text: 'Could not deliver.', thread: null, author: host, level: 'error' as const };
    expect(renderMessage(error, plain)).toBe('! NanoClaw: Could not deliver.');
    expect(renderMessage(error, { ...plain, color: true })).toBe(
      '\u001b[31m! NanoClaw: Could not deliver.\u001b[0m',
    );
  });

  it("shows other people's messages and one's own history, not one's own live messages (already typed)", () => {
    const user = (name: string, createdAt: string) => ({
      text: 'hi',
      thread: null,
      author: { kind: 'user' as const, name },
      createdAt,
    });
    expect(renderMessage(user('Bob', '2026-12-01T10:00:05Z'), plain)).toBe('Bob: hi');
    expect(renderMessage(user('Alice', '2026-12-01T09:59:00Z'), plain)).toBe('you: hi');
    expect(renderMessage(user('Alice', '2026-12-01T10:00:05Z'), plain)).toBeNull();
  });

  it('shows the plain text of a host that does not name authors', () => {
    expect(renderMessage({ text: 'Mock response to: hi', thread: null }, plain)).toBe('Mock response to: hi');
  });
});

describe('working indicator', () => {
  it('prints one line when an agent starts working, nothing for repeats or the stop, again on the next start', () => {
    const w = new WorkingIndicator();
    const typing = (active: boolean) => ({ thread: null, agent: { id: 'a1', name: 'assistant' }, active });
    expect(w.render(typing(true), plain)).toBe('… assistant is working');
    expect(w.render(typing(true), plain)).toBeNull();
    expect(w.render(typing(false), plain)).toBeNull();
    expect(w.render(typing(true), plain)).toBe('… assistant is working');
    w.replied();
    expect(w.render({ thread: null, agent: null, active: true }, plain)).toBe('… the agent is working');
  });
});
