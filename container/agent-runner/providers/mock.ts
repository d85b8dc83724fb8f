/**
 * The deterministic provider for tests and the embedded default without a model key.
 *
 * Behaviour (see README.md for the directive list):
 * - Directives are read from the text of the turn's target (its last triggering message) and run in order.
 * - Reply: "Mock response to: <target text without directives>", or with [[echo-context]] one line per batch
 *   message (with ` [files: <path> (<n> bytes), …]` for attachments); each tool call adds a line "[tool <name>] <result>" ("[tool <name> error] …" on a tool error).
 * - An admin command passed through replies "Mock handled <command>".
 * - Continuation: "mock-<n>", n counting turns since the last /clear, so tests can watch session_state.
 * - Follow-ups (messages that arrive while the turn runs, e.g. during a [[delay]]) are taken until the reply is
 *   built; each adds a line "Mock follow-up: <text without directives>". Their directives are not run.
 * - /stop ends a [[delay]] or the directive list at once.
 * - A task woken by its pre-task script adds a line "Mock script data: <the data as JSON>" after the head.
 * - [[shell:…]] runs only when the provider was built with a shell (mock-shell.ts); otherwise it fails the turn.
 *   Each run adds a line "[shell exit <code>] <output>".
 * - [[skills]] adds a line "Mock skills: <name> (<description>), …" (or "(none)") with the skills the runner finds
 *   in the agent folder (skills.ts), and a line "Mock skill failed: <name>: <reason>" for each it cannot load.
 */
import { textOf, type InboundMessage } from '../inbound-message.js';
import { senderLabel } from '../prompt.js';
import { scanSkills } from '../skills.js';
import { sleep } from '../wake-signal.js';
import { parseDirectives } from './directives.js';
import { MOCK_SHELL_ENV, runMockShell } from './mock-shell.js';
import type { Provider, TurnRequest, TurnResult } from './provider.js';

class MockProviderError extends Error {
  override name = 'MockProviderError';
}

/** ` [files: inbox/…, …]` for a message with attachments, so tests see what the agent was given. */
function filesOf(m: InboundMessage): string {
  const files = m.kind === 'chat' ? (m.chat.attachments ?? []) : [];
  return files.length ? ` [files: ${files.map((f) => `${f.path} (${f.size} bytes)`).join(', ')}]` : '';
}

export function nextMockContinuation(previous: string | null): string {
  const n = previous ? Number(/^mock-(\d+)$/.exec(previous)?.[1] ?? 0) : 0;
  return `mock-${n + 1}`;
}

export interface MockOptions {
  /** Enables [[shell:…]]; commands run in this directory. */
  shellCwd?: string;
  /** The agent folder, where [[skills]] looks. */
  agentDir?: string;
}

export class MockProvider implements Provider {
  readonly name = 'mock';

  constructor(private readonly opts: MockOptions = {}) {}

  async runTurn(req: TurnRequest): Promise<TurnResult> {
    req.onActivity();
    const continuation = nextMockContinuation(req.continuation);
    if (req.mode === 'command') {
      return { reply: `Mock handled ${req.command ?? req.prompt.trim()}`, continuation };
    }
    const parsed = parseDirectives(textOf(req.target));
    if (parsed.errors.length) throw new MockProviderError(parsed.errors.join('; '));
    const followUps: InboundMessage[] = [];
    const closeFeed = req.followUps.open((f) => followUps.push(...f.messages));
    try {
      return await this.run(req, parsed, continuation, followUps);
    } finally {
      closeFeed();
    }
  }

  private async run(
    req: TurnRequest,
    parsed: ReturnType<typeof parseDirectives>,
    continuation: string,
    followUps: InboundMessage[],
  ): Promise<TurnResult> {
    const ended = AbortSignal.any([req.signal, req.stop]);
    let silent = false;
    let echoContext = false;
    const toolLines: string[] = [];
    for (const d of parsed.directives) {
      if (ended.aborted) break;
      switch (d.type) {
        case 'delay':
          await sleep(d.ms, ended);
          req.onActivity();
          break;
        case 'error':
          throw new MockProviderError(d.message);
        case 'tool': {
          const r = await req.tools.call(d.name, d.args);
          req.onActivity();
          toolLines.push(`[tool ${d.name}${r.isError ? ' error' : ''}] ${r.text}`);
          break;
        }
        case 'shell': {
          if (this.opts.shellCwd === undefined)
            throw new MockProviderError(`[[shell:…]] is off (set ${MOCK_SHELL_ENV}=1 in the runner env)`);
          const r = await runMockShell(d.command, this.opts.shellCwd, ended);
          req.onActivity();
          toolLines.push(`[shell exit ${r.code}] ${r.output}`);
          break;
        }
        case 'silent':
          silent = true;
          break;
        case 'echo-context':
          echoContext = true;
          break;
        case 'skills': {
          const scan = scanSkills(this.opts.agentDir ?? '/nonexistent');
          const ready = scan.ready.map((k) => `${k.name} (${k.description})`).join(', ');
          toolLines.push(`Mock skills: ${ready || '(none)'}`);
          for (const f of scan.failed) toolLines.push(`Mock skill failed: ${f.name}: ${f.reason}`);
          break;
        }
      }
    }
    if (silent) return { reply: null, continuation };
    const head = echoContext
      ? [
          `Mock context (${req.messages.length}):`,
          ...req.messages.map(
            (m) =>
              `- ${m.row.id}${m.row.trigger === 0 ? ' (context)' : ''} ${senderLabel(m)}: ${parseDirectives(textOf(m)).text}` +
              filesOf(m),
          ),
        ].join('\n')
      : `Mock response to: ${parsed.text}`;
    const followUpLines = followUps.map((m) => `Mock follow-up: ${parseDirectives(textOf(m)).text}`);
    const target = req.target;
    const dataLines =
      target.kind === 'task' && target.scriptData !== undefined
        ? [`Mock script data: ${JSON.stringify(target.scriptData)}`]
        : [];
    return { reply: [head, ...dataLines, ...toolLines, ...followUpLines].join('\n'), continuation };
  }
}
