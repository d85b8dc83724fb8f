/**
 * Host-side slash-command classification (pure). The runner gates admin commands again against
 * NANOCLAW_ADMIN_USER_IDS (defence in depth); the host stops them before a runner is even woken. /stop is its
 * own class: whether it may pass depends on the running turn (route-plan.ts).
 */
import {
  ADMIN_COMMANDS,
  FILTERED_COMMANDS,
  HOST_ANSWERED_COMMANDS,
  STOP_COMMAND,
  slashCommandOf,
} from '../../protocol/commands.js';

export type CommandClass =
  | { kind: 'none' }
  | { kind: 'filtered'; command: string }
  | { kind: 'host-answered'; command: string }
  | { kind: 'admin'; command: string }
  | { kind: 'stop'; command: string }
  | { kind: 'passthrough'; command: string };

const inList = (list: readonly string[], cmd: string): boolean => list.includes(cmd);

export function classifyCommand(text: string): CommandClass {
  const command = slashCommandOf(text);
  if (command === null) return { kind: 'none' };
  if (inList(FILTERED_COMMANDS, command)) return { kind: 'filtered', command };
  if (inList(HOST_ANSWERED_COMMANDS, command)) return { kind: 'host-answered', command };
  if (inList(ADMIN_COMMANDS, command)) return { kind: 'admin', command };
  if (command === STOP_COMMAND) return { kind: 'stop', command };
  return { kind: 'passthrough', command };
}

export function permissionDeniedText(command: string): string {
  return `Permission denied: ${command} requires admin access.`;
}

export const HELP_TEXT = [
  'This chat is served by a NanoClaw agent. Write a message to talk to it.',
  `${STOP_COMMAND} stops the request you sent while it runs.`,
  `Admins can also use ${ADMIN_COMMANDS.join(' ')}, and ${STOP_COMMAND} for anyone's request.`,
].join('\n');
