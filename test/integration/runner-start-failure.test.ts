/**
 * A runner that cannot be started: the message stays accepted, the chat hears once why and that NanoClaw keeps
 * trying, and the answer arrives by itself once the runner can start — the real host in-process, the real runner
 * process and the fake Telegram Bot API.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRunnerCommand } from '../../host/runtime/runner-command.js';
import { ALICE, message } from '../fakes/telegram/updates.js';
import { tempDir } from '../support/host-process.js';
import { seedAssistantDms, startTelegramHost, type TelegramHost } from '../support/telegram-host.js';

let t: TelegramHost;
// The runner command is a launcher script that does not exist yet: every start fails with ENOENT.
const launcher = path.join(tempDir('nc-launcher-'), 'launch-runner.sh');

describe('a runner that cannot be started', () => {
  beforeAll(async () => {
    t = await startTelegramHost({
      token: '4343:start-failure',
      name: 'start_fail',
      seed: (db) => seedAssistantDms(db, [ALICE.id]),
      // A custom runner command runs unsandboxed, and a Telegram chat is one other people can write in.
      env: { NANOCLAW_UNSANDBOXED_SHARED_CHATS: 'true' },
      host: { runnerCommand: [launcher] },
    });
  });

  afterAll(() => t?.close());

  it('tells the chat once, keeps the message, and answers it when the runner can start', async () => {
    const { fake, token } = t;
    fake.inject(token, { message: message({ text: 'are you there?' }) });
    const notice = await fake.waitFor(
      () => fake.messages.find((m) => m.text.includes('could not be started')),
      'a notice that the agent could not be started',
      15_000,
    );
    expect(notice.chat_id).toBe(String(ALICE.id));
    expect(notice.text).toMatch(
      /^Assistant could not be started: could not run the runner command .*ENOENT.*Your message is kept/,
    );
    // The second message arrives while the runner still cannot start: no second notice.
    fake.inject(token, { message: message({ text: 'hello again [[echo-context]]' }) });
    await new Promise((r) => setTimeout(r, 500));
    const [node, entry] = defaultRunnerCommand();
    fs.writeFileSync(launcher, `#!/bin/sh\nexec ${node} ${entry}\n`, { mode: 0o755 });
    // Both messages were kept: the first turn after the start sees them in one batch.
    const answer = await fake.waitFor(
      () => fake.messages.find((m) => m.text.includes('hello again')),
      'the answer to both messages',
      30_000,
    );
    expect(answer.text).toContain('are you there?');
    expect(fake.messages.filter((m) => m.text.includes('could not be started'))).toHaveLength(1);
  }, 60_000);
});
