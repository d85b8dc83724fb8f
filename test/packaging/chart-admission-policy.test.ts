/**
 * The chart's ValidatingAdmissionPolicy (admissionPolicy.enabled, on by default): rendered unless turned off and when
 * the cluster serves admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy; it applies to the host's own
 * ServiceAccount in the release namespace only, denies, and pins what the host builds (the runner command from
 * host/runtime/kubernetes/pod-spec.ts, the data claim, the read-only inbound.db, journal and global mounts, the
 * uid/gid). test/real-node proves it on a real API server.
 */
import { describe, expect, it } from 'vitest';
import { RUNNER_COMMAND } from '../../host/runtime/kubernetes/pod-spec.js';
import { AGENT_SUBDIR, DEFAULT_WORKSPACE, GLOBAL_SUBDIR, workspacePaths } from '../../protocol/paths.js';
import { journalFile } from '../../protocol/session-db.js';
import { CHART_DIR, helm, KUBE_VERSION, parseObjects, type K8sObject } from '../fixtures/helm/render.js';

const VAP_API = 'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy';

function renderPolicy(set: string[], apiVersions = [VAP_API]): K8sObject[] {
  const res = helm([
    'template',
    'demo',
    CHART_DIR,
    '--namespace',
    'team',
    '--kube-version',
    KUBE_VERSION,
    ...apiVersions.flatMap((v) => ['--api-versions', v]),
    ...set.flatMap((s) => ['--set', s]),
  ]);
  expect(res.code, res.stderr).toBe(0);
  return parseObjects(res.stdout).filter((o) => o.kind.startsWith('ValidatingAdmissionPolicy'));
}

interface Policy {
  metadata: { name: string };
  spec: {
    failurePolicy: string;
    matchConditions: { expression: string }[];
    variables: { name: string; expression: string }[];
    validations: { expression: string; message: string }[];
  };
}
interface Binding {
  spec: {
    policyName: string;
    validationActions: string[];
    matchResources: { namespaceSelector: { matchLabels: Record<string, string> } };
  };
}

describe('chart admission policy', () => {
  it('is rendered by default on a cluster that serves the v1 API, and not when turned off', () => {
    expect(renderPolicy(['admissionPolicy.enabled=false'])).toEqual([]);
    expect(renderPolicy([], [])).toEqual([]);
    const objs = renderPolicy([]);
    expect(objs.map((o) => o.kind).sort()).toEqual([
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
    ]);
  });

  it("denies, in the release namespace, only what the host's ServiceAccount sends", () => {
    const objs = renderPolicy(['admissionPolicy.enabled=true']);
    const policy = objs.find((o) => o.kind === 'ValidatingAdmissionPolicy') as unknown as Policy;
    const binding = objs.find((o) => o.kind === 'ValidatingAdmissionPolicyBinding') as unknown as Binding;
    expect(policy.metadata.name).toBe('demo-nanoclaw-team-runner-pods');
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(policy.spec.matchConditions.map((c) => c.expression)).toEqual([
      "request.userInfo.username == 'system:serviceaccount:team:demo-nanoclaw'",
    ]);
    expect(binding.spec.policyName).toBe(policy.metadata.name);
    expect(binding.spec.validationActions).toEqual(['Deny']);
    expect(binding.spec.matchResources.namespaceSelector.matchLabels).toEqual({
      'kubernetes.io/metadata.name': 'team',
    });
  });

  it('pins the runner command the host uses, the data claim and the uid/gid from values', () => {
    const policyOf = (set: string[]) =>
      renderPolicy(['admissionPolicy.enabled=true', ...set]).find(
        (o) => o.kind === 'ValidatingAdmissionPolicy',
      ) as unknown as Policy;
    const text = (p: Policy) => p.spec.validations.map((v) => v.expression).join('\n');
    const command = `[${RUNNER_COMMAND.map((a) => `'${a}'`).join(', ')}]`;
    expect(text(policyOf([]))).toContain(`c.command == ${command}`);
    expect(text(policyOf([]))).toContain("v.persistentVolumeClaim.claimName == 'demo-nanoclaw-data'");
    // The read-only mounts the host gives every runner pod (host/runtime/kubernetes/pod-spec.ts).
    const inbound = workspacePaths(DEFAULT_WORKSPACE).inboundDb;
    expect(text(policyOf([]))).toContain(`['${inbound}', '${journalFile(inbound)}']`);
    expect(text(policyOf([]))).toContain(
      `!(m.mountPath in ['${DEFAULT_WORKSPACE}/${GLOBAL_SUBDIR}', '${DEFAULT_WORKSPACE}/${AGENT_SUBDIR}'])`,
    );
    expect(text(policyOf(['persistence.existingClaim=mine']))).toContain(
      "v.persistentVolumeClaim.claimName == 'mine'",
    );
    const ids = policyOf(['podSecurityContext.runAsUser=2000', 'podSecurityContext.runAsGroup=3000']).spec
      .variables;
    expect(ids.filter((v) => v.name !== 'containers')).toEqual([
      { name: 'uid', expression: '2000' },
      { name: 'gid', expression: '3000' },
    ]);
  });
});
