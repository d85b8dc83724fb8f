/**
 * charts/nanoclaw rendered by the real helm: least-privilege RBAC (exact rules, per watched namespace), the data
 * PVC (keep policy, class/access mode, NFS refusal), Secrets, CRD gating, `helm lint`, and values.schema.json
 * refusing wrong types, unknown keys and bad enums with a message that names the value.
 */
import type { V1PersistentVolumeClaim, V1Role, V1RoleBinding, V1Secret } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { OPERATOR_RBAC_RULES } from '../../operator/rbac.js';
import {
  all,
  CHART_DIR,
  find,
  helm,
  KUBE_VERSION,
  render,
  template,
  type K8sObject,
} from '../fixtures/helm/render.js';

const ruleSet = (role: V1Role) =>
  role.rules!.map((r) => ({
    apiGroups: r.apiGroups,
    resources: r.resources,
    verbs: r.verbs,
    ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}),
  }));

const RUNTIME_RULES = [
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'delete'] },
];
const OPERATOR_RULES = [
  {
    apiGroups: ['nanoclaw.dev'],
    resources: ['agentgroups', 'messaginggroups', 'userroles'],
    verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'],
  },
  {
    apiGroups: ['nanoclaw.dev'],
    resources: ['agentgroups/status', 'messaginggroups/status', 'userroles/status'],
    verbs: ['patch'],
  },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create'] },
];
const leaseRules = (name: string) => [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
  {
    apiGroups: ['coordination.k8s.io'],
    resources: ['leases'],
    resourceNames: [name],
    verbs: ['get', 'update'],
  },
];

function failure(o: Parameters<typeof template>[0]): string {
  const res = template(o);
  expect(res.code, res.stdout.slice(0, 200)).not.toBe(0);
  return res.stderr;
}

describe('RBAC', () => {
  it('grants exactly the calls of the runtime, the operator and its Lease, in the release namespace only', () => {
    const objs = render({ release: 'demo', namespace: 'nanoclaw' });
    expect(objs.filter((o) => /^Cluster(Role|RoleBinding)$/.test(o.kind))).toEqual([]);
    const role = find<V1Role>(objs, 'Role');
    expect(role.metadata!.namespace).toBe('nanoclaw');
    expect(ruleSet(role)).toEqual([
      ...RUNTIME_RULES,
      ...OPERATOR_RULES,
      ...leaseRules('demo-nanoclaw-operator'),
    ]);
    const binding = find<V1RoleBinding>(objs, 'RoleBinding');
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: 'demo-nanoclaw',
    });
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'demo-nanoclaw', namespace: 'nanoclaw' },
    ]);
    const sa = find<K8sObject & { automountServiceAccountToken?: boolean }>(objs, 'ServiceAccount');
    expect(sa.automountServiceAccountToken).toBe(false);
    for (const r of role.rules!) {
      expect(r.verbs).not.toContain('*');
      expect(r.resources).not.toContain('*');
    }
  });

  it('adds an operator Role in each watched namespace, the Lease in the first, runner rights only at home', () => {
    const objs = render({
      release: 'demo',
      namespace: 'home',
      values: { watchNamespaces: ['team-a', 'team-b'] },
    });
    const roles = Object.fromEntries(
      all<V1Role>(objs, 'Role').map((r) => [r.metadata!.namespace, ruleSet(r)]),
    );
    expect(roles).toEqual({
      home: RUNTIME_RULES,
      'team-a': [...OPERATOR_RULES, ...leaseRules('demo-nanoclaw-operator')],
      'team-b': OPERATOR_RULES,
    });
    const bindings = all<V1RoleBinding>(objs, 'RoleBinding');
    expect(bindings.map((b) => b.metadata!.namespace).sort()).toEqual(['home', 'team-a', 'team-b']);
    for (const b of bindings)
      expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: 'demo-nanoclaw', namespace: 'home' }]);
  });

  it('lets the host get only the Secrets named in rbac.headerSecrets and rbac.mcpSecrets, in each watched namespace', () => {
    const objs = render({
      release: 'demo',
      namespace: 'home',
      values: {
        watchNamespaces: ['team-a', 'team-b'],
        rbac: { headerSecrets: ['egress-creds', 'shared'], mcpSecrets: ['mcp-creds', 'shared'] },
      },
    });
    const secretGets = Object.fromEntries(
      all<V1Role>(objs, 'Role').map((r) => [
        r.metadata!.namespace,
        r.rules!.filter((rule) => rule.resources!.includes('secrets') && rule.verbs.includes('get')),
      ]),
    );
    const named = [
      {
        apiGroups: [''],
        resources: ['secrets'],
        resourceNames: ['egress-creds', 'shared', 'mcp-creds'],
        verbs: ['get'],
      },
    ];
    expect(secretGets).toEqual({ home: [], 'team-a': named, 'team-b': named });
  });

  it('grants every rule the operator declares for itself (operator/rbac.ts) where it needs them', () => {
    const objs = render({
      release: 'demo',
      namespace: 'home',
      values: { watchNamespaces: ['team-a', 'team-b'] },
    });
    const grants = (namespace: string, group: string, resource: string, verb: string) =>
      all<V1Role>(objs, 'Role')
        .filter((r) => r.metadata!.namespace === namespace)
        .flatMap((r) => r.rules!)
        .some(
          (r) => r.apiGroups!.includes(group) && r.resources!.includes(resource) && r.verbs.includes(verb),
        );
    for (const rule of OPERATOR_RBAC_RULES) {
      const leases = rule.resources.includes('leases');
      for (const namespace of leases ? ['team-a'] : ['team-a', 'team-b']) {
        for (const group of rule.apiGroups)
          for (const resource of rule.resources)
            for (const verb of rule.verbs)
              expect(
                grants(namespace, group, resource, verb),
                `${verb} ${group}/${resource} in ${namespace}`,
              ).toBe(true);
      }
    }
  });

  it('renders no RBAC and no ServiceAccount when asked not to, and uses the given account', () => {
    const objs = render({
      values: { rbac: { create: false }, serviceAccount: { create: false, name: 'mine' } },
    });
    expect(objs.filter((o) => ['Role', 'RoleBinding', 'ServiceAccount'].includes(o.kind))).toEqual([]);
    expect(JSON.stringify(find(objs, 'Deployment'))).toContain('"serviceAccountName":"mine"');
  });
});

describe('the data volume', () => {
  const pvc = (o: Parameters<typeof render>[0]) =>
    all<V1PersistentVolumeClaim>(render(o), 'PersistentVolumeClaim');

  it('is kept on uninstall and takes storage class, access mode and size from values', () => {
    const [claim] = pvc({
      values: { persistence: { storageClass: 'fast-ssd', accessMode: 'ReadWriteMany', size: '50Gi' } },
    });
    expect(claim!.metadata!.annotations!['helm.sh/resource-policy']).toBe('keep');
    expect(claim!.spec).toEqual({
      accessModes: ['ReadWriteMany'],
      storageClassName: 'fast-ssd',
      resources: { requests: { storage: '50Gi' } },
    });
    const [plain] = pvc({});
    expect(plain!.spec!.storageClassName).toBeUndefined();
    expect(plain!.spec!.accessModes).toEqual(['ReadWriteOnce']);
    expect(pvc({ set: ['persistence.storageClass=-'] })[0]!.spec!.storageClassName).toBe('');
    expect(pvc({ set: ['persistence.existingClaim=mine'] })).toEqual([]);
  });

  it('refuses known NFS-backed storage classes with a message that says why and how to override', () => {
    for (const cls of ['nfs-client', 'efs-sc', 'azurefile-csi']) {
      const err = failure({ set: [`persistence.storageClass=${cls}`] });
      expect(err).toContain(`storage class "${cls}" is a known network-filesystem (NFS) class`);
      expect(err).toContain('POSIX file locks');
      expect(err).toContain('persistence.allowNetworkFilesystem=true');
    }
    const [claim] = pvc({
      set: ['persistence.storageClass=nfs-client', 'persistence.allowNetworkFilesystem=true'],
    });
    expect(claim!.spec!.storageClassName).toBe('nfs-client');
    expect(
      failure({ values: { persistence: { storageClass: 'my-nas', networkFilesystemClasses: ['my-nas'] } } }),
    ).toContain('"my-nas"');
  });
});

describe('Secrets and CRDs', () => {
  it('creates the Secret from values (generated token) or uses existingSecret without creating one', () => {
    const made = find<V1Secret>(
      render({
        values: { secret: { anthropicApiKey: 'sk-ant-x', extraEnv: { TELEGRAM_BOT_TOKEN: '1:a' } } },
      }),
      'Secret',
    );
    const data = Object.fromEntries(
      Object.entries(made.data!).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
    );
    expect(Object.keys(data).sort()).toEqual([
      'ANTHROPIC_API_KEY',
      'NANOCLAW_WEB_TOKEN',
      'TELEGRAM_BOT_TOKEN',
    ]);
    expect(data.NANOCLAW_WEB_TOKEN).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(data).toMatchObject({ ANTHROPIC_API_KEY: 'sk-ant-x', TELEGRAM_BOT_TOKEN: '1:a' });
    const given = find<V1Secret>(render({ set: ['secret.webToken=0123456789abcdefXYZ'] }), 'Secret');
    expect(Buffer.from(given.data!.NANOCLAW_WEB_TOKEN!, 'base64').toString()).toBe('0123456789abcdefXYZ');
    expect(all(render({ set: ['secret.existingSecret=mine'] }), 'Secret')).toEqual([]);
  });

  it('installs the CRDs as templates with the keep policy, and none with crds.install=false', () => {
    const crds = all(render({}), 'CustomResourceDefinition');
    expect(crds.map((c) => c.metadata.name).sort()).toEqual([
      'agentgroups.nanoclaw.dev',
      'messaginggroups.nanoclaw.dev',
      'userroles.nanoclaw.dev',
    ]);
    for (const c of crds) expect(c.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    for (const c of all(render({ set: ['crds.keep=false'] }), 'CustomResourceDefinition'))
      expect(c.metadata.annotations).toBeUndefined();
    expect(all(render({ set: ['crds.install=false'] }), 'CustomResourceDefinition')).toEqual([]);
  });
});

describe('helm lint and values.schema.json', () => {
  it('lints clean (strict) with default and non-default values', () => {
    const lint = helm(['lint', '--strict', CHART_DIR, '--kube-version', KUBE_VERSION]);
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
    const custom = helm([
      'lint',
      '--strict',
      CHART_DIR,
      '--kube-version',
      KUBE_VERSION,
      '--set',
      'watchNamespaces={a,b},persistence.accessMode=ReadWriteMany,secret.existingSecret=s,crds.install=false',
    ]);
    expect(custom.code, custom.stdout + custom.stderr).toBe(0);
  });

  it.each([
    [{ persistence: { size: 10 } }, "at '/persistence/size': got number, want string"],
    [{ runner: { idleTimeoutSeconds: 'soon' } }, "at '/runner/idleTimeoutSeconds': got string, want number"],
    [
      { runner: { resources: { requests: { cpu: 1 } } } },
      "at '/runner/resources/requests/cpu': got number, want string",
    ],
    [{ replicas: 2 }, "additional properties 'replicas' not allowed"],
    [
      { persistence: { storageclass: 'x' } },
      "at '/persistence': additional properties 'storageclass' not allowed",
    ],
    [{ persistence: { accessMode: 'ReadWriteOncePod' } }, "at '/persistence/accessMode'"],
    [{ logLevel: 'verbose' }, "at '/logLevel'"],
    [{ watchNamespaces: 'team-a' }, "at '/watchNamespaces': got string, want array"],
    [{ secret: { webToken: 'short' } }, "at '/secret/webToken'"],
    [{ secret: { extraEnv: { NANOCLAW_WEB_TOKEN: 'x' } } }, "invalid propertyName 'NANOCLAW_WEB_TOKEN'"],
    [{ crds: { install: 'yes' } }, "at '/crds/install': got string, want boolean"],
    [{ podSecurityContext: { runAsUser: 0, runAsGroup: 1000 } }, "at '/podSecurityContext/runAsUser'"],
    [
      { containerSecurityContext: { readOnlyRootFS: true } },
      "additional properties 'readOnlyRootFS' not allowed",
    ],
    [{ image: { repository: '' } }, "at '/image/repository'"],
  ])('refuses %j', (values, message) => {
    const err = failure({ values });
    expect(err).toContain("values don't meet the specifications of the schema(s)");
    expect(err).toContain(message);
  });
});
