/**
 * Slash commands, classified once for both sides: the host's router and the runner's command gate read these
 * lists (defence in depth: an admin-only command is refused by both).
 */

/** Slash commands only admins may run; both the host and the runner gate them. */
export const ADMIN_COMMANDS = [
  '/clear',
  '/compact',
  '/context',
  '/cost',
  '/files',
  '/remote-control',
] as const;
/** Slash commands that never reach an agent. */
export const FILTERED_COMMANDS = ['/login', '/logout', '/doctor', '/config'] as const;
/** Slash commands the host answers itself with a short help text. */
export const HOST_ANSWERED_COMMANDS = ['/help', '/start'] as const;
/**
 * Interrupts the running turn. Allowed for an admin of the agent group and for the sender of a message the
 * running turn answers; both the host and the runner check that.
 */
export const STOP_COMMAND = '/stop';
/** What the runner answers a /stop that interrupted a turn. */
export const STOPPED_REPLY = 'Stopped.';
/** What a /stop gets when no turn is running (from the host, or from the runner when the turn ended first). */
export const NOTHING_RUNNING_REPLY = 'Nothing is running.';
/** What a /stop gets from someone who may not stop the running turn. */
export const STOP_REFUSED_REPLY =
  'Only the person whose request is running, or an admin, can stop it with /stop.';

/** The first token of a slash command, lower-cased; null when the text is not a command. */
export function slashCommandOf(text: string): string | null {
  const m = /^\s*(\/[A-Za-z][\w-]*)(?:@\S+)?(?:\s|$)/.exec(text);
  return m ? m[1]!.toLowerCase() : null;
}
