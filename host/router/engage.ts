/**
 * Whether a wiring's agent is engaged by a message (pure). A DM always counts as a mention.
 *   pattern         the RE2 pattern matches the head of the text ('.' matches everything; protocol/pattern.ts)
 *   mention         the bot was mentioned
 *   mention-sticky  mentioned, or the thread already has an active session with this agent
 */
import { patternMatches } from '../../protocol/pattern.js';
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

export function engages(input: EngageInput): boolean {
  switch (input.mode) {
    case 'pattern':
      // Patterns are validated on write; one that still does not compile engages nobody.
      return input.pattern !== null && patternMatches(input.pattern, input.text);
    case 'mention':
      return input.isMention;
    case 'mention-sticky':
      return input.isMention || (input.threadId !== null && input.hasActiveThreadSession());
  }
}
