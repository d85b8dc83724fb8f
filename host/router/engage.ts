/**
 * Whether a wiring's agent is engaged by a message (pure). A DM always counts as a mention.
 *   pattern         the regex matches the text ('.' matches everything)
 *   mention         the bot was mentioned
 *   mention-sticky  mentioned, or the thread already has an active session with this agent
 */
import type { EngageMode } from '../../protocol/vocabulary.js';

export interface EngageInput {
  mode: EngageMode;
  pattern: string | null;
  text: string;
  isMention: boolean;
  threadId: string | null;
  /** An active session exists for (agent, chat, thread). Only consulted for mention-sticky in a thread. */
  hasActiveThreadSession: () => boolean;
}

const compiled = new Map<string, RegExp | null>();

function regexOf(pattern: string): RegExp | null {
  if (!compiled.has(pattern)) {
    if (compiled.size > 1000) compiled.clear();
    try {
      compiled.set(pattern, new RegExp(pattern));
    } catch {
      compiled.set(pattern, null);
    }
  }
  return compiled.get(pattern)!;
}

export function engages(input: EngageInput): boolean {
  switch (input.mode) {
    case 'pattern': {
      // Patterns are validated on write; one that still does not compile engages nobody.
      const re = input.pattern === null ? null : regexOf(input.pattern);
      return re !== null && re.test(input.text);
    }
    case 'mention':
      return input.isMention;
    case 'mention-sticky':
      return input.isMention || (input.threadId !== null && input.hasActiveThreadSession());
  }
}
