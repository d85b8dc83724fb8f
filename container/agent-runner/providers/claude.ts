/**
 * The claude provider: one Claude Agent SDK query per turn, resumed from the previous turn's SDK session.
 *
 * Invariants:
 * - The SDK is loaded with a dynamic import, only when this provider is chosen.
 * - The Claude Code child gets ANTHROPIC_BASE_URL = the host's credential proxy and the per-session token as
 *   its API key; every NANOCLAW_* variable and any other Anthropic credential is removed from its environment.
 *   Non-essential traffic (telemetry, updates, error reports) is off: the pod may reach only the host.
 * - Transcripts live under <workspace>/.claude (CLAUDE_CONFIG_DIR), so `resume` works across runner restarts.
 * - The continuation is the SDK session id. A continuation the CLI no longer knows is dropped and the turn is
 *   retried once as a fresh conversation.
 * - The MCP tools are the shared ones (tools/registry.ts), served in-process (createSdkMcpServer), bound to
 *   this turn's ToolRunner.
 * - The agent group's own MCP servers (spec.mcpServers) are passed as stdio or http servers (remote ones at the
 *   host's MCP proxy), only those that started in
 *   the runner's probe (mcp/probe.ts); the ones that did not are named in the system prompt instead.
 * - Skills: exactly the usable ones in the agent folder (skills.ts, read for every turn) are enabled with the SDK's
 *   `skills` option (left unset for an agent folder without skills), and the ones that cannot be loaded are named in
 *   the system prompt.
 * - Permissions: 'dontAsk' with an allow-list, so nothing ever waits for an interactive approval.
 * - A messages turn uses streaming input (claude-input.ts): follow-ups are pushed into the live query as further
 *   user messages; the input ends, and with it the query, at the first result after which every pushed message
 *   has been answered. The reply is the results' texts in order. A command turn sends its text as the prompt.
 * - /stop interrupts the query (the SDK's interrupt(), the conversation stays resumable); if that fails or the
 *   query has not ended STOP_GRACE_MS later, it is aborted.
 */
import type * as ClaudeAgentSdk from '@anthropic-ai/claude-agent-sdk';
import fs from 'node:fs';
import path from 'node:path';
import type { RunnerConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { isHttpConnection } from '../mcp/connection.js';
import { mcpFailureNote, type McpStartup } from '../mcp/probe.js';
import { SkillReporter, scanSkills, skillsNote } from '../skills.js';
import { MCP_SERVER_NAME, type ToolRunner } from '../tools/registry.js';
import { ClaudeInput } from './claude-input.js';
import type { Provider, TurnRequest, TurnResult } from './provider.js';

type Sdk = typeof ClaudeAgentSdk;

const ALLOWED_BUILTIN_TOOLS = [
  'Bash',
  'Read',
  'Write',
  'Edit',
  'Glob',
  'Grep',
  'WebSearch',
  'WebFetch',
  'TodoWrite',
  'NotebookEdit',
  'Task',
  'Skill',
  'ToolSearch',
];
/** Built-ins that would bypass the session DBs (their own scheduler, their own question UI) or change mode. */
const DISALLOWED_BUILTIN_TOOLS = [
  'AskUserQuestion',
  'CronCreate',
  'CronDelete',
  'CronList',
  'ScheduleWakeup',
  'EnterPlanMode',
  'ExitPlanMode',
  'EnterWorktree',
  'ExitWorktree',
];

const STOP_GRACE_MS = 10_000;

const STALE_CONTINUATION = /No conversation found|--resume requires|session .*not found/i;

class ClaudeTurnError extends Error {
  override name = 'ClaudeTurnError';
}

/** The environment of the Claude Code child process. */
function claudeEnv(config: RunnerConfig, base: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) {
    if (v === undefined || k.startsWith('NANOCLAW_')) continue;
    if (k === 'ANTHROPIC_API_KEY' || k === 'ANTHROPIC_AUTH_TOKEN' || k === 'CLAUDE_CODE_OAUTH_TOKEN')
      continue;
    env[k] = v;
  }
  Object.assign(env, {
    ANTHROPIC_BASE_URL: config.anthropicBaseUrl ?? '',
    ANTHROPIC_API_KEY: config.sessionToken ?? '',
    CLAUDE_CONFIG_DIR: path.join(config.paths.root, '.claude'),
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_BUG_COMMAND: '1',
    CLAUDE_AGENT_SDK_CLIENT_APP: 'nanoclaw-agent-runner/0.1.0',
  });
  if (!env.HOME) env.HOME = config.paths.root;
  return env;
}

function systemPromptAppend(req: TurnRequest, notes: (string | null)[]): string {
  const dests = req.destinations.length
    ? req.destinations
        .map((d) => `- ${d.name}${d.displayName ? ` (${d.displayName})` : ''}: ${d.type}`)
        .join('\n')
    : '- (none)';
  return [
    'You are an agent in NanoClaw, answering people in a chat. Each turn gives you the new chat messages (and',
    'scheduled task prompts) as <message> elements; context="true" marks messages that were not addressed to',
    'you. Your final text answer is delivered to the conversation automatically, so write it for the chat.',
    `Use the ${MCP_SERVER_NAME} tools: send_message for progress updates or another destination,`,
    'schedule_task / list_tasks / update_task / cancel_task / pause_task / resume_task for scheduled work, and',
    'ask_user_question when you need the user to choose. Destinations you can address by name:',
    dests,
    ...notes.filter((n): n is string => n !== null),
  ].join('\n');
}

export class ClaudeProvider implements Provider {
  readonly name = 'claude';
  private readonly skillReporter = new SkillReporter();

  private constructor(
    private readonly sdk: Sdk,
    private readonly config: RunnerConfig,
    private readonly log: Logger,
    private readonly mcp: McpStartup,
  ) {}

  static async create(config: RunnerConfig, log: Logger, mcp: McpStartup): Promise<ClaudeProvider> {
    const sdk = await import('@anthropic-ai/claude-agent-sdk');
    return new ClaudeProvider(sdk, config, log, mcp);
  }

  async runTurn(req: TurnRequest): Promise<TurnResult> {
    try {
      return await this.query(req, req.continuation);
    } catch (err) {
      if (
        req.continuation &&
        !req.signal.aborted &&
        !req.stop.aborted &&
        STALE_CONTINUATION.test((err as Error).message)
      ) {
        this.log.warn(
          { continuation: req.continuation },
          'stored continuation unknown to Claude Code; starting fresh',
        );
        return this.query(req, null);
      }
      throw err;
    }
  }

  private mcpServer(tools: ToolRunner) {
    return this.sdk.createSdkMcpServer({
      name: MCP_SERVER_NAME,
      version: '1.0.0',
      alwaysLoad: true,
      tools: tools.definitions.map((def) =>
        this.sdk.tool(def.name, def.description, def.shape, async (args) => {
          const r = await tools.call(def.name, args);
          return { content: [{ type: 'text' as const, text: r.text }], isError: r.isError };
        }),
      ),
    });
  }

  private async query(req: TurnRequest, resume: string | null): Promise<TurnResult> {
    const abort = new AbortController();
    const onAbort = (): void => abort.abort();
    req.signal.addEventListener('abort', onAbort, { once: true });
    const cwd = fs.existsSync(this.config.paths.agent) ? this.config.paths.agent : this.config.paths.root;
    fs.mkdirSync(path.join(this.config.paths.root, '.claude'), { recursive: true });
    const skills = scanSkills(this.config.paths.agent);
    this.skillReporter.report(skills, this.log);
    let sessionId = resume;
    const replies: string[] = [];
    let failure: string | null = null;
    const input = req.mode === 'messages' ? new ClaudeInput() : null;
    input?.push(req.prompt);
    let closeFeed = (): void => {};
    const endInput = (): void => {
      closeFeed();
      input?.end();
    };
    let stopTimer: NodeJS.Timeout | undefined;
    let onStop = (): void => {};
    req.log.info({ resume: resume !== null, streaming: input !== null }, 'claude query started');
    try {
      const q = this.sdk.query({
        prompt: input ?? req.prompt,
        options: {
          abortController: abort,
          cwd,
          env: claudeEnv(this.config, process.env),
          ...(this.config.model ? { model: this.config.model } : {}),
          ...(resume ? { resume } : {}),
          permissionMode: 'dontAsk',
          allowedTools: [
            ...ALLOWED_BUILTIN_TOOLS,
            `mcp__${MCP_SERVER_NAME}__*`,
            ...this.mcp.ready.map((s) => `mcp__${s.name}__*`),
          ],
          disallowedTools: DISALLOWED_BUILTIN_TOOLS,
          mcpServers: {
            ...Object.fromEntries(
              this.mcp.ready.map((s) => [
                s.name,
                // alwaysLoad: the tools are in the first prompt, not behind tool search (the probe saw them).
                isHttpConnection(s)
                  ? { type: 'http' as const, url: s.url, headers: s.headers, alwaysLoad: true }
                  : {
                      type: 'stdio' as const,
                      command: s.command,
                      args: s.args,
                      env: s.env,
                      alwaysLoad: true,
                    },
              ]),
            ),
            [MCP_SERVER_NAME]: this.mcpServer(req.tools),
          },
          settingSources: ['user', 'project'],
          // Only the agent group's usable skills; a group without any keeps the SDK's defaults.
          ...(skills.ready.length || skills.failed.length ? { skills: skills.ready.map((k) => k.name) } : {}),
          systemPrompt: {
            type: 'preset',
            preset: 'claude_code',
            append: systemPromptAppend(req, [mcpFailureNote(this.mcp.reports), skillsNote(skills)]),
          },
          stderr: (data: string) => this.log.debug({ stderr: data.slice(0, 2000) }, 'claude code stderr'),
        },
      });
      if (input) closeFeed = req.followUps.open((f) => input.push(f.prompt));
      onStop = (): void => {
        closeFeed();
        stopTimer = setTimeout(() => abort.abort(), STOP_GRACE_MS);
        q.interrupt().catch((err: unknown) => {
          this.log.warn({ err }, 'interrupt failed; aborting the query');
          abort.abort();
        });
      };
      if (req.stop.aborted) onStop();
      else req.stop.addEventListener('abort', onStop, { once: true });
      for await (const m of q) {
        req.onActivity();
        if (m.type === 'system' && m.subtype === 'init') {
          sessionId = m.session_id;
          this.log.debug({ model: m.model, tools: m.tools.length }, 'claude session started');
        } else if (m.type === 'result') {
          sessionId = m.session_id;
          if (m.subtype === 'success') {
            // An API error ends the turn as subtype 'success' with is_error set and the error text as result.
            if (m.is_error) failure = m.result.trim() || 'the model call failed';
            else replies.push(m.result);
          } else {
            failure = m.errors.length ? m.errors.join('; ') : m.subtype;
          }
          input?.settle(
            m.user_message_uuids ?? (m.user_message_uuid ? [m.user_message_uuid] : []),
            m.queued_turn_count,
          );
          if (!input || failure || req.stop.aborted || (input.idle && !m.queued_turn_count)) endInput();
        }
      }
    } catch (err) {
      if (req.signal.aborted || req.stop.aborted) throw err;
      throw new ClaudeTurnError(failure ?? (err as Error).message);
    } finally {
      endInput();
      clearTimeout(stopTimer);
      req.signal.removeEventListener('abort', onAbort);
      req.stop.removeEventListener('abort', onStop);
    }
    if (req.stop.aborted) return { reply: null, continuation: sessionId };
    if (failure) throw new ClaudeTurnError(failure);
    let reply = replies.filter((r) => r.trim()).join('\n\n') || null;
    if (req.mode === 'command' && !reply?.trim()) reply = `${req.command ?? req.prompt.trim()} done.`;
    return { reply, continuation: sessionId };
  }
}
