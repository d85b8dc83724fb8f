import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { dbWithGroups } from '../../test/support/central.js';
import { RecordingAdapter } from '../../test/support/recording-adapter.js';
import { addMember } from '../access/members.js';
import { grantRole, revokeRole } from '../access/roles.js';
import { MapChannelRegistry } from '../channels/adapter.js';
import { getAgentGroup } from '../db/agent-groups.js';
import type { CentralDb } from '../db/central-db.js';
import type { Session } from '../db/schema.js';
import type { HostMessageInput } from '../delivery/host-outbox.js';
import type { AgentChangeRequest } from '../delivery/system-row.js';
import type { AgentChange } from './agent-change-plan.js';
import { AgentChanges, type AgentConfigWriter } from './agent-changes.js';

let db: CentralDb;
let sent: HostMessageInput[];
let told: { sessionId: string; text: string }[];
let written: AgentChange[];
let failWrite: string | null;
let refuse: string | null;
let flow: AgentChanges;

const session = { id: 'sess-1', agent_group_id: 'ag-1', messaging_group_id: null } as Session;
let outSeq = 0;
const request = (action: AgentChangeRequest['action'], messageOutId = `out-${++outSeq}`) =>
  flow.take({ session, messageOutId, action, requestedBy: 'telegram:7' });
const serverRequest = (): Extract<AgentChangeRequest['action'], { action: 'add_mcp_server' }> => ({
  action: 'add_mcp_server',
  name: 'files',
  command: '/usr/bin/mcp-files',
  args: ['--root', '/workspace/agent'],
  env: { LOG_FORMAT: 'json' },
});
const settle = () => new Promise((r) => setTimeout(r, 20));
const rows = () => db.all(db.q.selectFrom('pending_agent_changes').selectAll());
const cards = () => sent.filter((m) => m.card);

async function build(ttlMs = 60_000): Promise<void> {
  const writer: AgentConfigWriter = {
    check: () => refuse,
    write: (change) => {
      if (failWrite) return Promise.reject(new Error(failWrite));
      written.push(change);
      return Promise.resolve('AgentGroup default/x');
    },
  };
  flow = new AgentChanges({
    db,
    channels: new MapChannelRegistry([new RecordingAdapter('telegram')]),
    send: (m) => {
      sent.push(m);
      return Promise.resolve();
    },
    log: pino({ level: 'silent' }),
    ttlMs,
    writer,
    tellAgent: (sessionId, text) => {
      told.push({ sessionId, text });
      return Promise.resolve();
    },
    projectionWaitMs: 0,
  });
  await flow.start({ intervalMs: 60_000, route: () => Promise.resolve() });
}

beforeEach(async () => {
  db = dbWithGroups();
  sent = [];
  told = [];
  written = [];
  failWrite = null;
  refuse = null;
  grantRole(db, { userId: 'telegram:1', role: 'owner' });
  addMember(db, { userId: 'telegram:7', agentGroupId: 'ag-1', addedBy: null });
  await build();
});

describe('configuration requests from agents', () => {
  it('puts an MCP server request to the owner on a card that shows command, every argument and env entry', async () => {
    request(serverRequest());
    await settle();
    expect(cards()).toHaveLength(1);
    const card = cards()[0]!;
    expect(card.to.platformId).toBe('1'); // the owner's DM
    expect(card.text).toContain(
      'Agent One (in a conversation with telegram:7) asks to add the MCP server "files"',
    );
    expect(card.text).toContain('command: "/usr/bin/mcp-files"');
    expect(card.text).toContain('args: ["--root","/workspace/agent"]');
    expect(card.text).toContain('env: LOG_FORMAT="json"');
    expect(card.card?.options.map((o) => o.label)).toEqual(['Approve', 'Reject']);
    expect(written).toEqual([]);
    expect(rows()[0]).toMatchObject({ status: 'pending', approver_user_id: 'telegram:1' });
  });

  it('refuses a member’s click and writes only on an owner’s approval, then tells the agent', async () => {
    request({ action: 'create_agent', name: 'research', instructions: 'Find sources.' });
    await settle();
    const id = rows()[0]!.id;
    expect(await flow.click({ questionId: id, choice: { value: 'approve' } }, 'telegram:7')).toBe(
      'not_yours',
    );
    expect(written).toEqual([]);
    expect(await flow.click({ questionId: id, choice: { index: 0 } }, 'telegram:1')).toBe('answered');
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({
      action: 'create_agent',
      parent: { id: 'ag-1', name: 'ag-1', namespace: null },
      child: { id: 'research', name: 'research', provider: 'claude', instructions: 'Find sources.' },
    });
    expect(rows()[0]).toMatchObject({
      status: 'applied',
      decided_by: 'telegram:1',
      result: 'AgentGroup default/x',
    });
    expect(told.at(-1)?.text).toMatch(
      /create_agent request was approved by telegram:1.*send_message\(to: "research"/,
    );
    expect(sent.at(-1)?.text).toBe('Approved: create_agent "research" — written to AgentGroup default/x.');
    // A second click finds nothing pending.
    expect(await flow.click({ questionId: id, choice: { index: 0 } }, 'telegram:1')).toBe('no_such_question');
    expect(written).toHaveLength(1);
  });

  it('refuses the click of an approver whose role was revoked after the card was sent', async () => {
    request(serverRequest());
    await settle();
    revokeRole(db, 'telegram:1', 'owner', null);
    expect(await flow.click({ questionId: rows()[0]!.id, choice: { index: 0 } }, 'telegram:1')).toBe(
      'not_yours',
    );
    expect(written).toEqual([]);
  });

  it('a rejection writes nothing and tells the agent', async () => {
    request(serverRequest());
    await settle();
    expect(await flow.click({ questionId: rows()[0]!.id, choice: { index: 1 } }, 'telegram:1')).toBe(
      'answered',
    );
    expect(written).toEqual([]);
    expect(rows()[0]!.status).toBe('rejected');
    expect(told.at(-1)?.text).toBe('Your add_mcp_server "files" request was rejected by telegram:1.');
  });

  it('refuses before any card: a taken name, a reserved server name, a request the CRD refuses', async () => {
    request({ action: 'create_agent', name: 'ag-2' });
    request({ ...serverRequest(), name: 'nanoclaw' });
    refuse = 'spec.mcpServers[0].stdio.env[0].name: this env name looks like a credential';
    request({ ...serverRequest(), env: { API_TOKEN: 'x' } });
    request({ action: 'create_agent', name: 'Bad_Name' });
    await settle();
    expect(cards()).toEqual([]);
    expect(rows()).toEqual([]);
    expect(told.map((t) => t.text)).toEqual([
      'Your create_agent request "ag-2" was refused: an agent group named "ag-2" already exists.',
      'Your add_mcp_server request "nanoclaw" was refused: the MCP server name "nanoclaw" is reserved.',
      'Your add_mcp_server request "files" was refused: spec.mcpServers[0].stdio.env[0].name: this env name looks like a credential.',
      expect.stringContaining(
        'Your create_agent request "Bad_Name" was refused: name "Bad_Name" is not a valid agent group name',
      ),
    ]);
  });

  it('puts an egress request on a card and refuses wildcards, addresses and hosts already listed', async () => {
    db.run(
      db.q
        .updateTable('agent_groups')
        .set({ container_config: JSON.stringify({ egress: [{ host: 'api.github.com', ports: [443] }] }) })
        .where('id', '=', 'ag-1'),
    );
    request({ action: 'add_egress_host', name: '*.example.com' });
    request({ action: 'add_egress_host', name: '10.0.0.1' });
    request({ action: 'add_egress_host', name: 'API.GitHub.com' });
    request({ action: 'add_egress_host', name: 'Pypi.org.', ports: [443, 8443, 443] });
    await settle();
    expect(told.map((t) => t.text)).toEqual([
      expect.stringContaining('"*.example.com" is not a host name: ask for one exact DNS name'),
      expect.stringContaining('"10.0.0.1" is not a host name'),
      expect.stringContaining("api.github.com is already in Agent One's spec.egress (ports 443)"),
    ]);
    expect(cards()).toHaveLength(1);
    expect(cards()[0]!.text).toContain('asks to reach pypi.org on ports 443, 8443 through the host');
    await flow.click({ questionId: rows()[0]!.id, choice: { index: 0 } }, 'telegram:1');
    expect(written[0]).toMatchObject({
      action: 'add_egress_host',
      entry: { host: 'pypi.org', ports: [443, 8443] },
    });
  });

  it('lets at most five requests of a group wait for a decision', async () => {
    for (let i = 0; i < 7; i++) request({ ...serverRequest(), name: `s${i}` });
    await settle();
    expect(cards()).toHaveLength(5);
    expect(told.map((t) => t.text)).toEqual([
      expect.stringContaining('5 requests of this agent group already wait for a decision (at most 5)'),
      expect.stringContaining('5 requests of this agent group already wait for a decision (at most 5)'),
    ]);
    await flow.click({ questionId: rows()[0]!.id, choice: { index: 1 } }, 'telegram:1');
    request({ ...serverRequest(), name: 's7' });
    await settle();
    expect(cards()).toHaveLength(6);
  });

  it('refuses instructions too long to show in full on the card', async () => {
    request({ action: 'create_agent', name: 'wordy', instructions: 'x'.repeat(2501) });
    await settle();
    expect(rows()).toEqual([]);
    expect(told[0]?.text).toContain('too long to show on an approval card (at most 2500)');
  });

  it('makes one card for a request delivered twice (the same runner row)', async () => {
    request(serverRequest(), 'out-same');
    request(serverRequest(), 'out-same');
    await settle();
    expect(rows()).toHaveLength(1);
    expect(cards()).toHaveLength(1);
  });

  it('tells the agent when no owner or admin can be reached', async () => {
    revokeRole(db, 'telegram:1', 'owner', null);
    request(serverRequest());
    await settle();
    expect(rows()[0]!.status).toBe('unreachable');
    expect(told[0]?.text).toContain('no owner or admin of Agent One can be reached');
  });

  it('a failed write is recorded and told to both sides', async () => {
    failWrite = 'apply AgentGroup default/ag-1: HTTP 409: conflict with "argocd"';
    request(serverRequest());
    await settle();
    await flow.click({ questionId: rows()[0]!.id, choice: { index: 0 } }, 'telegram:1');
    expect(rows()[0]).toMatchObject({ status: 'failed', result: failWrite });
    expect(told.at(-1)?.text).toContain(`approved, but writing it failed: ${failWrite}`);
    expect(sent.at(-1)?.text).toContain('Approved, but writing it failed');
  });

  it('writes an approval a crash interrupted, and expires requests nobody decided', async () => {
    request(serverRequest());
    request({ action: 'create_agent', name: 'later' });
    await settle();
    const [first, second] = rows();
    db.run(db.q.updateTable('pending_agent_changes').set({ status: 'approved' }).where('id', '=', first!.id));
    db.run(
      db.q
        .updateTable('pending_agent_changes')
        .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
        .where('id', '=', second!.id),
    );
    await flow.tick();
    expect(written.map((w) => w.action)).toEqual(['add_mcp_server']);
    expect(rows().map((r) => r.status)).toEqual(['applied', 'expired']);
    expect(told.at(-1)?.text).toBe('Your create_agent "later" request expired without a decision.');
    expect(getAgentGroup(db, 'later')).toBeUndefined();
  });
});
