/**
 * Where an embedded runner's stdout/stderr lines go. In JSON log mode they pass through as they are (the runner
 * logs JSON lines itself, so the host's stdout stays one JSON record per line). In pretty mode each record is
 * re-logged through the host's logger, so a terminal shows one readable line per record for runners too, with the
 * host's redaction applied once more; a line that is not a runner record is logged as its text.
 */
import type { Logger } from 'pino';

const LEVELS: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

export function runnerOutput(log: Logger): (line: string) => void {
  return (line) => {
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      record = null;
    }
    if (record && typeof record === 'object' && 'msg' in record && 'level' in record) {
      const { level, msg, time: _time, hostname: _hostname, ...fields } = record as Record<string, unknown>;
      log[LEVELS[Number(level)] ?? 'info'](fields, String(msg));
    } else log.info({ component: 'agent-runner' }, line);
  };
}
