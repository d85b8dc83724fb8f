/**
 * The permissions the operator needs in each namespace it watches (a namespaced Role; the Lease lives in the first
 * watched namespace unless configured otherwise). Nothing cluster-scoped: the CRDs are installed separately.
 * The Helm chart's Role must grant at least these; test/k8s/rbac.test.ts runs the operator with exactly these.
 */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

export const OPERATOR_RBAC_RULES: PolicyRule[] = [
  {
    apiGroups: ['nanoclaw.dev'],
    resources: ['agentgroups', 'messaginggroups', 'userroles'],
    verbs: ['get', 'list', 'watch'],
  },
  {
    apiGroups: ['nanoclaw.dev'],
    resources: ['agentgroups/status', 'messaginggroups/status', 'userroles/status'],
    verbs: ['patch'], // server-side apply
  },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create'] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
];
