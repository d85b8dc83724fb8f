/**
 * Skills with the claude provider end to end: the real agent-runner, the real Claude Agent SDK and its Claude Code
 * binary, a fake Anthropic API on 127.0.0.1. Skills in the agent folder's .claude/skills/ (where the host writes
 * them) reach the model's context; a broken one is named in the system prompt; a skill a session planted under its
 * own .claude/ is not loaded beside them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../support/fake-anthropic.js';
import { HostSide, TEST_TOKEN, startReadyRunner, stopAll } from '../support/runner-harness.js';

const md = (name: string, description: string) =>
  `---\nname: ${name}\ndescription: ${description}\n---\n# ${name}\nDo the steps.\n`;

describe('claude provider skills against a fake Anthropic API', () => {
  let host: HostSide;
  let fake: FakeAnthropic;

  beforeAll(async () => {
    fake = await FakeAnthropic.start();
    host = HostSide.create();
    const put = (dir: string, name: string, text: string) => {
      fs.mkdirSync(path.join(dir, '.claude', 'skills', name), { recursive: true });
      fs.writeFileSync(path.join(dir, '.claude', 'skills', name, 'SKILL.md'), text);
    };
    put(host.paths.agent, 'pdf-forms', md('pdf-forms', 'Fills PDF forms zebra-quartz'));
    put(host.paths.agent, 'broken', 'no front matter');
    put(host.paths.root, 'planted', md('planted', 'Planted by a session mango-violet'));
    await startReadyRunner(host, {
      NANOCLAW_PROVIDER: 'claude',
      NANOCLAW_MODEL: 'claude-fake-model',
      NANOCLAW_SESSION_TOKEN: TEST_TOKEN,
      ANTHROPIC_BASE_URL: fake.url,
      LOG_LEVEL: 'info',
    });
  });
  afterAll(async () => {
    await stopAll();
    await fake.close();
    host.close();
  });

  it('lists the agent folder’s skills to the model and names the broken one', async () => {
    const id = host.chat('which skills do you have?', { sender: 'web:alice' });
    expect(await host.finished(id, 60_000)).toBe('completed');
    const bodies = fake.messageRequests().map((r) => JSON.stringify(r.body));
    expect(bodies.length).toBeGreaterThan(0);
    expect(bodies.some((b) => b.includes('zebra-quartz'))).toBe(true);
    expect(bodies.some((b) => b.includes('mango-violet'))).toBe(false);
    const system = JSON.stringify(fake.messageRequests()[0]!.body.system);
    expect(system).toContain('These skills of your agent group could not be loaded');
    expect(system).toContain('- broken: SKILL.md does not start with a front matter block');
  });
});
