/**
 * Tools that ask for a configuration change: create_agent (a new agent group with this one as its peer),
 * add_mcp_server (a stdio MCP server for this agent group) and add_egress_host (a host its runners may reach). The runner only asks: each call is a system row the
 * host checks and puts to an owner or admin on an approval card; nothing changes until they approve, and the
 * host tells the agent how it ended with a message. install_packages is refused: runner images are fixed.
 *
 * Invariant: the row carries the message the turn answers (in_reply_to), so the host can say on the card whose
 * conversation asked — read from the host's own record of that message, not from anything the runner writes.
 */
import { z } from 'zod';
import {
  AGENT_NAME_MAX,
  MAX_AGENT_INSTRUCTIONS,
  type AgentChangeAction,
} from '../../../protocol/messages.js';
import { defineTool, ToolError, type ToolContext } from './tool.js';

const PENDING =
  'an owner or admin has been asked to approve it on a card; nothing changes until they do, and you will get a message saying how it ended';

function ask(ctx: ToolContext, action: AgentChangeAction): void {
  const [w] = ctx.outbound.commit({
    messages: [{ kind: 'system', content: action, inReplyTo: ctx.turn.inReplyTo }],
  });
  ctx.log.info({ tool: action.action, name: action.name, outId: w?.id }, 'configuration request queued');
}

export const createAgent = defineTool({
  name: 'create_agent',
  description:
    'Ask for a new agent (agent group) with you as its peer "parent": once approved you reach it with ' +
    'send_message(to: <name>) and its answers come back to you. Needs the approval of an owner or admin.',
  shape: {
    name: z
      .string()
      .min(1)
      .max(AGENT_NAME_MAX)
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'lower-case letters, digits and -')
      .describe('Name of the new agent group (a DNS label, e.g. "research")'),
    instructions: z
      .string()
      .max(MAX_AGENT_INSTRUCTIONS)
      .optional()
      .describe('Its system instructions (shown in full to the approver)'),
  },
  handler: ({ name, instructions }, ctx) => {
    ask(ctx, { action: 'create_agent', name, ...(instructions ? { instructions } : {}) });
    return Promise.resolve(`Requested the new agent "${name}": ${PENDING}.`);
  },
});

export const addMcpServer = defineTool({
  name: 'add_mcp_server',
  description:
    'Ask to add a stdio MCP server (a program in your runner image) to your own configuration; its tools are ' +
    'available from your next runner start once an owner or admin approves. Env values must not be secrets.',
  shape: {
    name: z.string().min(1).max(32).describe('Server name (a DNS label); its tools are mcp__<name>__<tool>'),
    command: z.string().min(1).max(512).describe('Program to run: an absolute path or a name on PATH'),
    args: z.array(z.string().max(1024)).max(32).optional().describe('Arguments'),
    env: z
      .record(z.string().max(128), z.string().max(1024))
      .optional()
      .describe('Literal, non-secret environment variables'),
  },
  handler: ({ name, command, args, env }, ctx) => {
    ask(ctx, {
      action: 'add_mcp_server',
      name,
      command,
      ...(args?.length ? { args } : {}),
      ...(env && Object.keys(env).length ? { env } : {}),
    });
    return Promise.resolve(`Requested the MCP server "${name}": ${PENDING}.`);
  },
});

export const addEgressHost = defineTool({
  name: 'add_egress_host',
  description:
    'Ask to reach a host on the internet (HTTPS, git over https, an API) from your runner: without it only the ' +
    'NanoClaw host is reachable. Once an owner or admin approves, your next runner start reaches it through the ' +
    "host's egress proxy. One exact host name per request.",
  shape: {
    host: z
      .string()
      .min(1)
      .max(253)
      .describe('Exact host name, e.g. "api.github.com" (no wildcard, IP or port)'),
    ports: z
      .array(z.number().int().min(1).max(65535))
      .min(1)
      .max(16)
      .optional()
      .describe('TCP ports; default [443]'),
  },
  handler: ({ host, ports }, ctx) => {
    ask(ctx, { action: 'add_egress_host', name: host, ...(ports ? { ports } : {}) });
    return Promise.resolve(`Requested network access to ${host}: ${PENDING}.`);
  },
});

export const installPackages = defineTool({
  name: 'install_packages',
  description: 'Not available here: explains how packages get into an agent’s runner.',
  shape: {
    apt: z.array(z.string().max(200)).max(32).optional(),
    npm: z.array(z.string().max(200)).max(32).optional(),
    reason: z.string().max(1000).optional(),
  },
  handler: () =>
    Promise.reject(
      new ToolError(
        'Packages cannot be installed at run time: a runner image is fixed and read-only. Ask an owner or admin to ' +
          'build an image with them and set it as spec.runner.image of this agent group.',
      ),
    ),
});
