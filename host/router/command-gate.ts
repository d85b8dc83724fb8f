/**
 * Host-side slash-command classification (pure). The runner gates admin commands again against
 * NANOCLAW_ADMIN_USER_IDS (defence in depth); the host stops them before a runner is even woken.
 */
import {
  ADMIN_COMMANDS,
  FILTERED_COMMANDS,
  HOST_ANSWERED_COMMANDS,
  slashCommandOf,
} from '../../protocol/commands.js';

export type CommandClass =
  | { kind: 'none' }
  | { kind: 'filtered'; command: string }
  | { kind: 'host-answered'; command: string }
  | { kind: 'admin'; command: string }
  | { kind: 'passthrough'; command: string };

const inList = (list: readonly string[], cmd: string): boolean => list.includes(cmd);

export function classifyCommand(text: string): CommandClass {
  const command = slashCommandOf(text);
  if (command === null) return { kind: 'none' };
  if (inList(FILTERED_COMMANDS, command)) return { kind: 'filtered', command };
  if (inList(HOST_ANSWERED_COMMANDS, command)) return { kind: 'host-answered', command };
  if (inList(ADMIN_COMMANDS, command)) return { kind: 'admin', command };
  return { kind: 'passthrough', command };
}

export function permissionDeniedText(command: string): string {
  return `Permission denied: ${command} requires admin access.`;
}

export const HELP_TEXT = [
  'This chat is served by a NanoClaw agent. Write a message to talk to it.',
  `Admins can also use ${ADMIN_COMMANDS.join(' ')}.`,
].join('\n');
