/**
 * Which module may import which (docs/architecture.md, "Modules and the direction of dependencies"), and no
 * import cycles anywhere. Run by the lint step: `npx depcruise --config .dependency-cruiser.cjs <folders>`.
 */
const ours = '^(protocol|kube|host|operator|container|cli|hack|test|bench)/';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'A module never imports a module that imports it back.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'protocol-stands-alone',
      comment: 'protocol/ is the contract both sides import; it imports nothing of ours.',
      severity: 'error',
      from: { path: '^protocol/' },
      to: { path: ours, pathNot: '^protocol/' },
    },
    {
      name: 'kube-stands-alone',
      comment:
        'kube/ is the Kubernetes client layer of the host and the operator; it imports nothing of ours.',
      severity: 'error',
      from: { path: '^kube/' },
      to: { path: ours, pathNot: '^kube/' },
    },
    {
      name: 'runner-speaks-only-protocol',
      comment: 'The agent-runner knows the host only through protocol/.',
      severity: 'error',
      from: { path: '^container/', pathNot: '\\.test\\.ts$' },
      to: { path: ours, pathNot: '^(container|protocol)/' },
    },
    {
      name: 'host-below-operator-and-cli',
      comment: 'The host never imports the operator, the CLI, tests or dev scripts.',
      severity: 'error',
      from: { path: '^host/', pathNot: '\\.test\\.ts$' },
      to: { path: '^(operator|cli|container|hack|test|bench)/' },
    },
    {
      name: 'operator-uses-only-the-host-db-layer',
      comment:
        'The operator writes the central DB through host/db (and its grants through host/access), nothing else.',
      severity: 'error',
      from: { path: '^operator/', pathNot: '\\.test\\.ts$' },
      to: { path: '^(host/(?!db/|access/)|cli/|container/|hack/|test/|bench/)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6'],
  },
};
