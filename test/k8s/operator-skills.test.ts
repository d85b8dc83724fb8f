/**
 * An AgentGroup's spec.skills on a real kube-apiserver: the operator reads ConfigMap skills into the runner config,
 * follows the ConfigMap (created later, changed, broken) and says in Ready why a skill is left out; a `path` skill
 * is looked at in the agent folder on the operator's data volume.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAgentGroup, runnerConfigOf } from '../../host/db/agent-groups.js';
import { type CentralDb } from '../../host/db/central-db.js';
import { agentGroup } from '../../operator/api/v1alpha1/testdata/invalid-manifests.js';
import { startOperatorFixture, type OperatorFixture } from './operator-fixture.js';
import { eventually, ready } from './support.js';

let fx: OperatorFixture;
let ns: string;
let api: OperatorFixture['api'];
let db: CentralDb;

beforeAll(async () => {
  fx = await startOperatorFixture('skills');
  ({ ns, api, db } = fx);
});

afterAll(async () => {
  await fx?.stop();
});

const md = (description: string) => `---\nname: pdf\ndescription: ${description}\n---\n# pdf\n`;
const skills = () => runnerConfigOf(getAgentGroup(db, 'skilled')!).skills;

async function readyAs(status: string, reason: string) {
  return eventually(async () => {
    const o = await api.get(ns, 'AgentGroup', 'skilled');
    const c = ready(o);
    return c?.status === status && c.reason === reason ? c : undefined;
  }, 20_000);
}

describe('AgentGroup skills on a real API server', () => {
  it('projects a ConfigMap skill, follows the ConfigMap and reports a missing or bad one in Ready', async () => {
    const core = fx.cp.kubeConfig().makeApiClient(CoreV1Api);
    const review = path.join(fx.dataDir, 'groups', 'skilled', 'skills', 'review');
    fs.mkdirSync(review, { recursive: true });
    fs.writeFileSync(path.join(review, 'SKILL.md'), md('Reviews').replace('name: pdf', 'name: review'));
    await api.create(
      ns,
      agentGroup('skilled', {
        skills: [
          { name: 'pdf', configMapRef: { name: 'skill-pdf' } },
          { name: 'review', path: 'skills/review' },
        ],
      }),
    );
    const missing = await readyAs('False', 'SkillNotFound');
    expect(missing.message).toBe(`skill "pdf": ConfigMap "skill-pdf" not found in namespace "${ns}"`);
    expect(skills()).toEqual([{ name: 'review', path: 'skills/review' }]);

    const body = (data: Record<string, string>) => ({ metadata: { name: 'skill-pdf' }, data });
    await core.createNamespacedConfigMap({ namespace: ns, body: body({ 'SKILL.md': md('Reads PDFs') }) });
    await readyAs('True', 'Projected');
    expect(skills()).toEqual([
      { name: 'pdf', files: { 'SKILL.md': md('Reads PDFs') } },
      { name: 'review', path: 'skills/review' },
    ]);

    await core.replaceNamespacedConfigMap({
      namespace: ns,
      name: 'skill-pdf',
      body: body({ 'SKILL.md': md('Reads PDFs v2'), 'forms.md': 'Forms.' }),
    });
    await eventually(() => skills()?.[0]?.files?.['forms.md'] === 'Forms.');

    await core.replaceNamespacedConfigMap({
      namespace: ns,
      name: 'skill-pdf',
      body: body({ 'SKILL.md': '# pdf' }),
    });
    const bad = await readyAs('False', 'InvalidSkill');
    expect(bad.message).toContain(
      'skill "pdf": ConfigMap "skill-pdf": SKILL.md does not start with a front matter',
    );
    expect(skills()).toEqual([{ name: 'review', path: 'skills/review' }]);
  });

  it('says in Ready when a path skill’s folder is not in the agent folder', async () => {
    fs.rmSync(path.join(fx.dataDir, 'groups', 'skilled', 'skills'), { recursive: true });
    const ag = await api.get(ns, 'AgentGroup', 'skilled');
    await api.replace(ns, {
      ...ag,
      spec: { ...ag.spec, skills: [{ name: 'review', path: 'skills/review' }] },
    });
    const gone = await readyAs('False', 'SkillNotFound');
    expect(gone.message).toBe('skill "review": folder "skills/review" not found in the agent folder');
    expect(skills()).toEqual([{ name: 'review', path: 'skills/review' }]);
  });
});
