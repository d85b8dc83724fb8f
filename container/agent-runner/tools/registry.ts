/**
 * The one list of MCP tools (server name `nanoclaw`) and the one way to call them, used by every provider:
 * the mock calls `ToolRunner.call` directly, the claude provider wraps the same definitions in an in-process
 * MCP server whose handlers call `ToolRunner.call` too.
 *
 * Invariant: input is validated with the tool's zod shape (strict: unknown keys are refused) before the
 * handler runs; validation failures and ToolErrors become error results with a clear message.
 */
import { z } from 'zod';
import { addEgressHost, addMcpServer, createAgent, installPackages } from './agent-requests.js';
import { askUserQuestion } from './ask-user-question.js';
import { addReaction, editMessage } from './message-ops.js';
import { sendFile } from './send-file.js';
import { sendMessage } from './send-message.js';
import { cancelTask, listTasks, pauseTask, resumeTask, scheduleTask, updateTask } from './tasks.js';
import { ToolError, type ToolContext, type ToolDefinition, type ToolResult } from './tool.js';

export const MCP_SERVER_NAME = 'nanoclaw';

export const TOOLS: readonly ToolDefinition[] = [
  sendMessage,
  sendFile,
  editMessage,
  addReaction,
  scheduleTask,
  listTasks,
  updateTask,
  cancelTask,
  pauseTask,
  resumeTask,
  askUserQuestion,
  createAgent,
  addMcpServer,
  addEgressHost,
  installPackages,
] as unknown as ToolDefinition[];

function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(input)'}: ${i.message}`).join('; ');
}

export class ToolRunner {
  constructor(
    private readonly ctx: ToolContext,
    private readonly tools: readonly ToolDefinition[] = TOOLS,
  ) {}

  get definitions(): readonly ToolDefinition[] {
    return this.tools;
  }

  async call(name: string, input: unknown): Promise<ToolResult> {
    const def = this.tools.find((t) => t.name === name);
    if (!def) {
      return {
        isError: true,
        text: `Unknown tool "${name}". Tools: ${this.tools.map((t) => t.name).join(', ')}.`,
      };
    }
    const parsed = z
      .object(def.shape)
      .strict()
      .safeParse(input ?? {});
    if (!parsed.success) {
      return { isError: true, text: `Invalid input for ${name}: ${formatIssues(parsed.error)}` };
    }
    try {
      return { isError: false, text: await def.handler(parsed.data, this.ctx) };
    } catch (err) {
      if (err instanceof ToolError) return { isError: true, text: err.message };
      this.ctx.log.error({ err, tool: name }, 'tool failed');
      return { isError: true, text: `${name} failed: ${(err as Error).message}` };
    }
  }
}
