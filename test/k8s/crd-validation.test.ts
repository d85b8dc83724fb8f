/**
 * The generated CRDs on a real kube-apiserver: the invalid-manifest table (the same one the zod loader runs in
 * the unit tier) is refused naming the same field; valid manifests are accepted with the same defaults; the
 * transition rules (immutable fields) hold; `kubectl explain` reads the descriptions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlPlane } from '../fixtures/kube/control-plane.js';
import { parseManifest } from '../../operator/api/v1alpha1/parse.js';
import {
  INVALID_MANIFESTS,
  VALID_MANIFESTS,
  agentGroup,
  messagingGroup,
} from '../../operator/api/v1alpha1/testdata/invalid-manifests.js';
import { apiError, objects } from './support.js';

let cp: ControlPlane;
let ns: string;
let api: ReturnType<typeof objects>;

beforeAll(async () => {
  cp = await ControlPlane.start();
  ns = await cp.createNamespace('crd');
  api = objects(cp.kubeConfig());
});
afterAll(async () => {
  await cp?.stop();
});

async function refusalOf(request: Promise<unknown>) {
  try {
    await request;
  } catch (err) {
    return apiError(err);
  }
  throw new Error('the API server accepted the request');
}

const refusal = (manifest: Record<string, unknown>) => refusalOf(api.create(ns, manifest));

describe('CRD validation on kube-apiserver (parity with the zod loader)', () => {
  it.each(INVALID_MANIFESTS.map((c) => [c.name, c] as const))('refuses: %s', async (_name, c) => {
    const err = await refusal(c.manifest);
    expect([400, 422]).toContain(err.code);
    const fields = err.causes.map((cause) => cause.field);
    expect(fields, err.message).toContain(c.field);
  });

  it.each(VALID_MANIFESTS.map((m) => [(m.metadata as { name: string }).name, m] as const))(
    'accepts with the same defaults as the loader: %s',
    async (_name, m) => {
      const created = await api.create(ns, m);
      const parsed = parseManifest(m);
      expect(parsed.ok).toBe(true);
      if (parsed.ok) expect(created.spec).toEqual(parsed.manifest.spec);
    },
  );

  it('keeps folder immutable and not removable, but lets it be set later', async () => {
    const ag = await api.create(ns, agentGroup('immutable-folder', { folder: 'f-one' }));
    const changed = await refusalOf(api.replace(ns, { ...ag, spec: { ...ag.spec, folder: 'f-two' } }));
    expect(changed.causes.map((c) => c.field)).toContain('spec.folder');
    const { folder: _f, ...withoutFolder } = ag.spec;
    const removed = await refusalOf(api.replace(ns, { ...ag, spec: withoutFolder }));
    expect(removed.causes.map((c) => c.field)).toContain('spec.folder');

    const later = await api.create(ns, agentGroup('folder-later'));
    const set = await api.replace(ns, { ...later, spec: { ...later.spec, folder: 'folder-later' } });
    expect(set.spec.folder).toBe('folder-later');
  });

  it('keeps channel and platformId immutable; other fields change in place', async () => {
    const mg = await api.create(ns, messagingGroup('immutable-chat', { channel: 'web', platformId: 'p1' }));
    for (const [field, value] of [
      ['channel', 'cli'],
      ['platformId', 'p2'],
    ] as const) {
      const err = await refusalOf(api.replace(ns, { ...mg, spec: { ...mg.spec, [field]: value } }));
      expect(err.causes.map((c) => c.field)).toContain(`spec.${field}`);
    }
    const ok = await api.replace(ns, { ...mg, spec: { ...mg.spec, displayName: 'Renamed', isGroup: true } });
    expect(ok.spec).toMatchObject({ displayName: 'Renamed', isGroup: true });
  });

  it('serves kubectl explain from the descriptions and lists the kinds under the nanoclaw category', async () => {
    const explain = cp.kubectl(['explain', 'agentgroup.spec']);
    expect(explain).toContain('folder');
    expect(explain).toContain('Directory of the agent group');
    expect(cp.kubectl(['explain', 'messaginggroup.spec.agents.engage.mode'])).toContain('mention-sticky');
    await api.create(ns, agentGroup('listed'));
    const table = cp.kubectl(['get', 'nanoclaw', '-n', ns]);
    expect(table).toContain('agentgroup.nanoclaw.dev/listed');
    const short = cp.kubectl(['get', 'ag', 'listed', '-n', ns]);
    expect(short.split('\n')[0]).toMatch(/NAME\s+READY\s+FOLDER\s+PROVIDER\s+AGE/);
  });
});
