import { describe, expect, it } from 'vitest';
import type { McpServerStatus } from '../../host/db/schema.js';
import { mcpCondition } from './mcp-condition.js';

const row = (server_name: string, state: 'ready' | 'failed', tools: number, error: string | null = null) =>
  ({
    agent_group_id: 'ag',
    server_name,
    state,
    tools,
    error,
    session_id: 's',
    reported_at: '2026-01-01T00:00:00.000Z',
  }) satisfies McpServerStatus;

describe('McpServersReady condition', () => {
  it('is absent when the agent group configures no MCP servers', () => {
    expect(mcpCondition([], [row('stale', 'failed', 0, 'x')])).toBeUndefined();
  });

  it('is False naming every failed server and its reason, even when others are not reported yet', () => {
    expect(
      mcpCondition(['a', 'b', 'c'], [row('a', 'failed', 0, 'exit 3'), row('c', 'failed', 0, 'ENOENT')]),
    ).toEqual({
      type: 'McpServersReady',
      status: 'False',
      reason: 'McpServerFailed',
      message: 'MCP servers that failed to start in the last runner: a: exit 3; c: ENOENT',
    });
  });

  it('is Unknown while a configured server has no report', () => {
    expect(mcpCondition(['a', 'b'], [row('a', 'ready', 1)])).toMatchObject({
      status: 'Unknown',
      reason: 'NotStarted',
      message: 'no runner has started these MCP servers yet: b',
    });
  });

  it('is True with each server’s tool count when all started, ignoring reports of removed servers', () => {
    expect(
      mcpCondition(['a', 'b'], [row('a', 'ready', 1), row('b', 'ready', 4), row('old', 'failed', 0, 'x')]),
    ).toMatchObject({
      status: 'True',
      reason: 'Started',
      message: 'started in the last runner: a (1 tool), b (4 tools)',
    });
  });
});
