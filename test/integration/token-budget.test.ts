/**
 * Token usage and monthly budgets on the real credential proxy: the real runner server in front of the fake
 * Anthropic API (test/support/fake-anthropic.ts, which reports 12 input and 7 output tokens per answer), a real
 * SQLite central DB and the host's TokenMeter. The proxy's count is what the budget is checked against.
 */
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenMeter, type MeteredSession } from '../../host/budget/token-meter.js';
import { upsertAgentGroup } from '../../host/db/agent-groups.js';
import type { CentralDb } from '../../host/db/central-db.js';
import { modelUsageOf } from '../../host/db/model-usage.js';
import type { Session } from '../../host/db/schema.js';
import { Metrics } from '../../host/metrics.js';
import { RunnerLink } from '../../host/runner/runner-link.js';
import { createRunnerServer } from '../../host/runner/runner-server.js';
import { memoryDb } from '../support/central.js';
import { FakeAnthropic } from '../support/fake-anthropic.js';
import { rawRequest, type RawResponse } from '../support/raw-request.js';
import { NO_SECRETS } from '../../host/mcp/secret-source.js';

const KEY = 'sk-ant-api03-host-key-for-the-budget-test';
const TOKENS: Record<string, Session> = {
  nct_budgeted_0123456789: { id: 'sess-a', agent_group_id: 'ag-a', status: 'active' } as Session,
  nct_unbounded_0123456789: { id: 'sess-b', agent_group_id: 'ag-b', status: 'active' } as Session,
};
const PER_CALL = 12 + 7;

let fake: FakeAnthropic;
let db: CentralDb;
let metrics: Metrics;
let now = new Date('2026-05-31T23:00:00Z');
const notified: { session: MeteredSession; budget: number }[] = [];
let close: () => Promise<void>;
let base: string;

beforeAll(async () => {
  fake = await FakeAnthropic.start(undefined, { apiKey: KEY });
  db = memoryDb();
  upsertAgentGroup(db, { id: 'ag-a', name: 'A', folder: 'ag-a', budgetMonthlyTokens: 3 * PER_CALL - 1 });
  upsertAgentGroup(db, { id: 'ag-b', name: 'B', folder: 'ag-b' });
  metrics = new Metrics();
  const log = pino({ level: 'silent' });
  const meter = new TokenMeter({
    db,
    count: metrics.counter('nanoclaw_model_tokens_total', 'tokens'),
    log,
    now: () => now,
  });
  meter.on('budgetReached', (session, budget) => notified.push({ session, budget }));
  const link = new RunnerLink(log);
  const server = createRunnerServer({
    link,
    authenticate: (token) => TOKENS[token],
    proxy: {
      apiKey: KEY,
      upstream: fake.url,
      maxBodyBytes: 1024 * 1024,
      ratePerMinute: 6000,
      rateBurst: 1000,
      log,
      meter,
    },
    mcpProxy: { upstreamOf: () => undefined, secrets: NO_SECRETS, maxBodyBytes: 1024, log },
    log,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = async () => {
    link.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
});

afterAll(async () => {
  await close?.();
  await fake?.close();
});

function model(token: string, stream: boolean): Promise<RawResponse> {
  return rawRequest({
    base,
    method: 'POST',
    target: '/proxy/anthropic/v1/messages?beta=true',
    headers: { 'x-api-key': token, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({
      model: 'claude-fake',
      max_tokens: 16,
      stream,
      messages: [{ role: 'user', content: 'hello' }],
    }),
  });
}

const callsOf = (group: string) => modelUsageOf(db, group, '2026-05')?.calls ?? 0;

describe('the credential proxy counts tokens per agent group and enforces the monthly budget', () => {
  it('counts what the model API answered, streamed or not, for the agent group of the calling session', async () => {
    expect((await model('nct_budgeted_0123456789', true)).status).toBe(200);
    expect((await model('nct_budgeted_0123456789', false)).status).toBe(200);
    expect((await model('nct_unbounded_0123456789', false)).status).toBe(200);
    expect(modelUsageOf(db, 'ag-a', '2026-05')).toMatchObject({
      input_tokens: 24,
      output_tokens: 14,
      calls: 2,
    });
    expect(modelUsageOf(db, 'ag-b', '2026-05')).toMatchObject({
      input_tokens: 12,
      output_tokens: 7,
      calls: 1,
    });
    const text = metrics.render();
    expect(text).toContain('nanoclaw_model_tokens_total{agent_group="ag-a",kind="input"} 24');
    expect(text).toContain('nanoclaw_model_tokens_total{agent_group="ag-a",kind="output"} 14');
    expect(text).toContain('nanoclaw_model_tokens_total{agent_group="ag-b",kind="output"} 7');
  });

  it('lets the call that crosses the budget through, then refuses the group without reaching the API, telling the chat once', async () => {
    expect((await model('nct_budgeted_0123456789', true)).status).toBe(200);
    const sentBefore = fake.messageRequests().length;
    for (let i = 0; i < 3; i++) {
      const refused = await model('nct_budgeted_0123456789', true);
      expect(refused.status).toBe(403);
      expect(refused.headers['x-should-retry']).toBe('false');
      const body = JSON.parse(refused.body) as { error: { type: string; message: string } };
      expect(body.error.type).toBe('permission_error');
      expect(body.error.message).toContain('monthly token budget');
    }
    expect(fake.messageRequests().length).toBe(sentBefore);
    expect(callsOf('ag-a')).toBe(3);
    expect(notified).toEqual([{ session: TOKENS.nct_budgeted_0123456789, budget: 3 * PER_CALL - 1 }]);
    expect((await model('nct_unbounded_0123456789', true)).status).toBe(200);
  });

  it('resumes at once when an admin raises the budget', async () => {
    upsertAgentGroup(db, { id: 'ag-a', name: 'A', folder: 'ag-a', budgetMonthlyTokens: 10_000 });
    expect((await model('nct_budgeted_0123456789', false)).status).toBe(200);
    expect(callsOf('ag-a')).toBe(4);
  });

  it('starts the next calendar month (UTC) at zero, and tells the chat again when that month runs out', async () => {
    upsertAgentGroup(db, { id: 'ag-a', name: 'A', folder: 'ag-a', budgetMonthlyTokens: PER_CALL });
    expect((await model('nct_budgeted_0123456789', false)).status).toBe(403);
    now = new Date('2026-06-01T00:00:00Z');
    expect((await model('nct_budgeted_0123456789', false)).status).toBe(200);
    expect(modelUsageOf(db, 'ag-a', '2026-06')).toMatchObject({
      input_tokens: 12,
      output_tokens: 7,
      calls: 1,
    });
    expect((await model('nct_budgeted_0123456789', false)).status).toBe(403);
    expect(notified.length).toBe(2);
  });
});
