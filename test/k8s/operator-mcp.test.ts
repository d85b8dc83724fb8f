/**
 * An AgentGroup's spec.mcpServers on a real kube-apiserver: the operator projects the servers into the runner
 * config, and shows what runners reported about them (rows the host writes into mcp_server_status) as the
 * McpServersReady condition — Unknown until a runner started them, False naming a failed server and its reason,
 * True with tool counts, gone when the servers are removed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAgentGroup, runnerConfigOf } from '../../host/db/agent-groups.js';
import { type CentralDb } from '../../host/db/central-db.js';
import { recordMcpReports } from '../../host/db/mcp-status.js';
import { agentGroup } from '../../operator/api/v1alpha1/testdata/invalid-manifests.js';
import { startOperatorFixture, type OperatorFixture } from './operator-fixture.js';
import { eventually, ready, type KObject } from './support.js';

let fx: OperatorFixture;
let ns: string;
let api: OperatorFixture['api'];
let db: CentralDb;

beforeAll(async () => {
  fx = await startOperatorFixture('mcp');
  ({ ns, api, db } = fx);
});

afterAll(async () => {
  await fx?.stop();
});

const mcpCondition = (o: KObject | undefined) =>
  o?.status?.conditions?.find((c) => c.type === 'McpServersReady');

async function mcpConditionAs(status: string, reason: string) {
  return eventually(async () => {
    const o = await api.get(ns, 'AgentGroup', 'tools');
    const c = mcpCondition(o);
    return c?.status === status && c.reason === reason && c.observedGeneration === o.metadata.generation
      ? c
      : undefined;
  }, 20_000);
}

describe('AgentGroup MCP servers on a real API server', () => {
  it('projects the servers and shows what runners reported as McpServersReady', async () => {
    await api.create(
      ns,
      agentGroup('tools', {
        provider: 'mock',
        mcpServers: [
          { name: 'files', stdio: { command: '/usr/bin/mcp-files', args: ['--ro'] } },
          { name: 'search', stdio: { command: 'mcp-search', env: [{ name: 'REGION', value: 'eu' }] } },
        ],
      }),
    );
    const notStarted = await mcpConditionAs('Unknown', 'NotStarted');
    expect(notStarted.message).toBe('no runner has started these MCP servers yet: files, search');
    expect(ready(await api.get(ns, 'AgentGroup', 'tools'))).toMatchObject({ status: 'True' });
    expect(runnerConfigOf(getAgentGroup(db, 'tools')!).mcpServers).toEqual([
      { name: 'files', command: '/usr/bin/mcp-files', args: ['--ro'], env: {} },
      { name: 'search', command: 'mcp-search', args: [], env: { REGION: 'eu' } },
    ]);

    // What the host stores when a runner's report arrives.
    const session = { id: 'sess-1', agent_group_id: 'tools' };
    recordMcpReports(db, session, [
      { name: 'files', state: 'ready', tools: 2 },
      { name: 'search', state: 'failed', tools: 0, error: 'spawn mcp-search ENOENT' },
    ]);
    const failed = await mcpConditionAs('False', 'McpServerFailed');
    expect(failed.message).toBe(
      'MCP servers that failed to start in the last runner: search: spawn mcp-search ENOENT',
    );

    recordMcpReports(db, session, [{ name: 'search', state: 'ready', tools: 1 }]);
    const started = await mcpConditionAs('True', 'Started');
    expect(started.message).toBe('started in the last runner: files (2 tools), search (1 tool)');
  }, 60_000);

  it('drops the condition when the servers are removed from the spec', async () => {
    const o = await api.get(ns, 'AgentGroup', 'tools');
    const { mcpServers: _gone, ...spec } = o.spec;
    await api.replace(ns, { ...o, spec });
    await eventually(async () => {
      const now = await api.get(ns, 'AgentGroup', 'tools');
      return now.status?.observedGeneration === now.metadata.generation && !mcpCondition(now);
    }, 20_000);
    expect(runnerConfigOf(getAgentGroup(db, 'tools')!).mcpServers).toBeUndefined();
  });
});
