/**
 * init-first-agent in embedded mode, in order: the user, their DM, the rows (grant, agent group and folder,
 * wiring, membership), then the welcome. Each step is idempotent, so a run that failed half-way is finished by
 * running it again.
 */
import type { Logger } from 'pino';
import type { CentralDb } from '../db/central-db.js';
import { resolveFirstAgentDm, type DmSource } from './first-agent-dm.js';
import { welcomeMessageId, type FirstAgentPlan } from './first-agent-plan.js';
import { applyFirstAgentRows, upsertFirstAgentUser } from './first-agent-rows.js';
import type { Step } from './steps.js';
import { writeWelcome } from './welcome.js';

export type WelcomeMode = 'once' | 'resend' | 'skip';

export async function initFirstAgent(
  db: CentralDb,
  dataDir: string,
  plan: FirstAgentPlan,
  dmSource: DmSource,
  welcome: WelcomeMode,
  log: Logger,
): Promise<Step[]> {
  const steps = [upsertFirstAgentUser(db, plan)];
  const { dm, step } = await resolveFirstAgentDm(db, plan, dmSource, log);
  steps.push(step, ...applyFirstAgentRows(db, dataDir, plan, dm));
  if (welcome === 'skip') {
    steps.push({ object: 'welcome', id: '-', action: 'skipped', detail: '--no-welcome' });
    return steps;
  }
  const messageId = welcomeMessageId(plan.agentGroupId, dm.id, welcome === 'resend' ? new Date() : null);
  steps.push(
    ...(await writeWelcome(db, dataDir, {
      agentGroupId: plan.agentGroupId,
      dm,
      messageId,
      text: plan.welcomeText,
    })),
  );
  return steps;
}
