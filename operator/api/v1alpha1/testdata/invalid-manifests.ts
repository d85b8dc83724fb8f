/**
 * Invalid manifests, each with the one field the API server and the embedded loader must name in their error.
 * The same table runs through the zod loader (unit tier, manifests.test.ts) and against a real kube-apiserver
 * with the generated CRDs installed (k8s tier, test/k8s/crd-validation.test.ts) — that is the parity proof.
 * New groups of cases go in files of their own next to this one (invalid-egress-headers.ts), spread in below.
 */
import type { InvalidCase } from './invalid-case.js';
import { INVALID_EGRESS_HEADERS } from './invalid-egress-headers.js';
import { INVALID_SKILLS, VALID_SKILLS } from './invalid-skills.js';

const apiVersion = 'nanoclaw.dev/v1alpha1';

export function agentGroup(name: string, spec: Record<string, unknown> = {}) {
  return { apiVersion, kind: 'AgentGroup', metadata: { name }, spec };
}
export function messagingGroup(name: string, spec: Record<string, unknown>) {
  return { apiVersion, kind: 'MessagingGroup', metadata: { name }, spec };
}
export function userRole(name: string, spec: Record<string, unknown>) {
  return { apiVersion, kind: 'UserRole', metadata: { name }, spec };
}

const chat = { channel: 'telegram', platformId: '-100123' };
const wired = (wiring: Record<string, unknown>) =>
  messagingGroup('mg', { ...chat, agents: [{ agentGroup: 'ag', ...wiring }] });
const long = (n: number, c = 'a') => c.repeat(n);

export const INVALID_MANIFESTS: InvalidCase[] = [
  // AgentGroup
  {
    name: 'folder not a DNS label',
    manifest: agentGroup('a1', { folder: 'My_Folder' }),
    field: 'spec.folder',
  },
  {
    name: 'folder "global" is reserved',
    manifest: agentGroup('a2', { folder: 'global' }),
    field: 'spec.folder',
  },
  { name: 'folder longer than 63', manifest: agentGroup('a3', { folder: long(64) }), field: 'spec.folder' },
  { name: 'unknown provider', manifest: agentGroup('a4', { provider: 'openai' }), field: 'spec.provider' },
  ...(
    [
      ['budget of 0 tokens', 0],
      ['negative budget', -10],
      ['fractional budget', 1.5],
      ['budget over 10^15 tokens', 1_000_000_000_000_001],
      ['budget as a string', '1000'],
    ] as const
  ).map(([name, monthlyTokens], i) => ({
    name,
    manifest: agentGroup(`budget${i}`, { budget: { monthlyTokens } }),
    field: 'spec.budget.monthlyTokens',
  })),
  {
    name: 'budget without monthlyTokens',
    manifest: agentGroup('budget-empty', { budget: {} }),
    field: 'spec.budget.monthlyTokens',
  },
  ...(
    [
      ['egress to an IPv4 address', '10.0.0.1'],
      ['egress to a CIDR', '10.0.0.0/8'],
      ['egress to an IPv6 address', '::1'],
      ['egress host with a port in it', 'api.github.com:443'],
      ['egress host in upper case', 'API.github.com'],
      ['egress host with a trailing dot', 'example.com.'],
      ['egress wildcard over a top-level domain', '*.com'],
      ['egress wildcard alone', '*'],
      ['egress wildcard inside the name', 'foo.*.example.com'],
      ['egress wildcard without its dot', '*example.com'],
      ['egress double wildcard', '*.*.example.com'],
      ['egress host empty', ''],
      ['egress host with a scheme', 'https://api.github.com'],
    ] as const
  ).map(([name, host], i) => ({
    name,
    manifest: agentGroup(`egress${i}`, { egress: [{ host }] }),
    field: 'spec.egress[0].host',
  })),
  ...(
    [
      ['egress port 0', [0], 'spec.egress[0].ports[0]'],
      ['egress port over 65535', [65536], 'spec.egress[0].ports[0]'],
      ['egress port as a string', ['443'], 'spec.egress[0].ports[0]'],
      ['egress with no ports', [], 'spec.egress[0].ports'],
      ['egress port twice', [443, 443], 'spec.egress[0].ports[1]'],
      ['egress with 17 ports', Array.from({ length: 17 }, (_, i) => 8000 + i), 'spec.egress[0].ports'],
    ] as const
  ).map(([name, ports, field], i) => ({
    name,
    manifest: agentGroup(`egress-ports${i}`, { egress: [{ host: 'api.github.com', ports }] }),
    field,
  })),
  {
    name: 'egress entry without a host',
    manifest: agentGroup('egress-nohost', { egress: [{ ports: [443] }] }),
    field: 'spec.egress[0].host',
  },
  {
    name: 'egress host twice',
    manifest: agentGroup('egress-dup', { egress: [{ host: 'a.example.com' }, { host: 'a.example.com' }] }),
    field: 'spec.egress[1]',
  },
  {
    name: 'egress with 65 hosts',
    manifest: agentGroup('egress-many', {
      egress: Array.from({ length: 65 }, (_, i) => ({ host: `h${i}.example.com` })),
    }),
    field: 'spec.egress',
  },
  ...INVALID_EGRESS_HEADERS,
  {
    name: 'instructions and instructionsFrom together',
    manifest: agentGroup('a5', {
      instructions: 'be nice',
      instructionsFrom: { configMapKeyRef: { name: 'cm', key: 'k' } },
    }),
    field: 'spec.instructionsFrom',
  },
  {
    name: 'configMapKeyRef without key',
    manifest: agentGroup('a6', { instructionsFrom: { configMapKeyRef: { name: 'cm' } } }),
    field: 'spec.instructionsFrom.configMapKeyRef.key',
  },
  {
    name: 'env name starting NANOCLAW_',
    manifest: agentGroup('a7', { runner: { env: [{ name: 'NANOCLAW_ADMIN_USER_IDS', value: 'x' }] } }),
    field: 'spec.runner.env[0].name',
  },
  {
    name: 'env name starting ANTHROPIC_',
    manifest: agentGroup('a8', { runner: { env: [{ name: 'ANTHROPIC_API_KEY', value: 'x' }] } }),
    field: 'spec.runner.env[0].name',
  },
  {
    name: 'env valueFrom',
    manifest: agentGroup('a9', {
      runner: { env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] },
    }),
    field: 'spec.runner.env[0].valueFrom',
  },
  {
    name: 'env name twice',
    manifest: agentGroup('a10', {
      runner: {
        env: [
          { name: 'A', value: '1' },
          { name: 'A', value: '2' },
        ],
      },
    }),
    field: 'spec.runner.env[1]',
  },
  {
    name: 'env name not an identifier',
    manifest: agentGroup('a11', { runner: { env: [{ name: '1BAD', value: 'x' }] } }),
    field: 'spec.runner.env[0].name',
  },
  {
    name: 'malformed cpu quantity',
    manifest: agentGroup('a12', { runner: { resources: { requests: { cpu: 'lots' } } } }),
    field: 'spec.runner.resources.requests.cpu',
  },
  {
    name: 'unknown resource name',
    manifest: agentGroup('a13', { runner: { resources: { limits: { gpu: '1' } } } }),
    field: 'spec.runner.resources.limits.gpu',
  },
  {
    name: 'idleTimeout not a duration',
    manifest: agentGroup('a14', { runner: { idleTimeout: 'soon' } }),
    field: 'spec.runner.idleTimeout',
  },
  {
    name: 'idleTimeout below 1m',
    manifest: agentGroup('a15', { runner: { idleTimeout: '30s' } }),
    field: 'spec.runner.idleTimeout',
  },
  {
    name: 'displayName too long',
    manifest: agentGroup('a16', { displayName: long(257) }),
    field: 'spec.displayName',
  },
  { name: 'unknown spec field', manifest: agentGroup('a17', { colour: 'blue' }), field: 'spec.colour' },
  { name: 'model too long', manifest: agentGroup('a18', { model: long(129) }), field: 'spec.model' },
  { name: 'name not a DNS subdomain', manifest: agentGroup('Bad_Name'), field: 'metadata.name' },
  // AgentGroup spec.mcpServers
  {
    name: 'mcp server name not a DNS label',
    manifest: agentGroup('am1', { mcpServers: [{ name: 'My_Server', stdio: { command: 'x' } }] }),
    field: 'spec.mcpServers[0].name',
  },
  {
    name: 'mcp server name longer than 32',
    manifest: agentGroup('am2', { mcpServers: [{ name: long(33), stdio: { command: 'x' } }] }),
    field: 'spec.mcpServers[0].name',
  },
  {
    name: 'mcp server name "nanoclaw" is reserved',
    manifest: agentGroup('am3', { mcpServers: [{ name: 'nanoclaw', stdio: { command: 'x' } }] }),
    field: 'spec.mcpServers[0].name',
  },
  {
    name: 'mcp server names not unique',
    manifest: agentGroup('am4', {
      mcpServers: [
        { name: 'fs', stdio: { command: 'a' } },
        { name: 'fs', stdio: { command: 'b' } },
      ],
    }),
    field: 'spec.mcpServers[1]',
  },
  {
    name: 'mcp server without a transport',
    manifest: agentGroup('am5', { mcpServers: [{ name: 'fs' }] }),
    field: 'spec.mcpServers[0].stdio',
  },
  {
    name: 'mcp server with an unsupported transport field',
    manifest: agentGroup('am6', {
      mcpServers: [{ name: 'fs', stdio: { command: 'x' }, url: 'https://mcp.example.com' }],
    }),
    field: 'spec.mcpServers[0].url',
  },
  {
    name: 'mcp stdio command empty',
    manifest: agentGroup('am7', { mcpServers: [{ name: 'fs', stdio: { command: '' } }] }),
    field: 'spec.mcpServers[0].stdio.command',
  },
  {
    name: 'mcp stdio args more than 32',
    manifest: agentGroup('am8', {
      mcpServers: [{ name: 'fs', stdio: { command: 'x', args: Array.from({ length: 33 }, () => 'a') } }],
    }),
    field: 'spec.mcpServers[0].stdio.args',
  },
  {
    name: 'mcp stdio env name starting ANTHROPIC_',
    manifest: agentGroup('am9', {
      mcpServers: [
        { name: 'fs', stdio: { command: 'x', env: [{ name: 'ANTHROPIC_BASE_URL', value: 'u' }] } },
      ],
    }),
    field: 'spec.mcpServers[0].stdio.env[0].name',
  },
  {
    name: 'mcp stdio env name that looks like a credential',
    manifest: agentGroup('am10', {
      mcpServers: [{ name: 'gh', stdio: { command: 'x', env: [{ name: 'GITHUB_TOKEN', value: 'abc' }] } }],
    }),
    field: 'spec.mcpServers[0].stdio.env[0].name',
  },
  {
    name: 'mcp stdio env value that looks like a credential',
    manifest: agentGroup('am11', {
      mcpServers: [
        { name: 'gh', stdio: { command: 'x', env: [{ name: 'GH', value: 'ghp_abcdef0123456789' }] } },
      ],
    }),
    field: 'spec.mcpServers[0].stdio.env[0].value',
  },
  {
    name: 'mcp stdio env valueFrom a Secret',
    manifest: agentGroup('am12', {
      mcpServers: [
        {
          name: 'gh',
          stdio: {
            command: 'x',
            env: [{ name: 'GH', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
          },
        },
      ],
    }),
    field: 'spec.mcpServers[0].stdio.env[0].valueFrom',
  },
  {
    name: 'more than 16 mcp servers',
    manifest: agentGroup('am13', {
      mcpServers: Array.from({ length: 17 }, (_, i) => ({ name: `s${i}`, stdio: { command: 'x' } })),
    }),
    field: 'spec.mcpServers',
  },
  // AgentGroup spec.mcpServers[].http
  ...(
    [
      [
        'both stdio and http',
        { stdio: { command: 'x' }, http: { url: 'https://mcp.example.com/mcp' } },
        'stdio',
      ],
      ['http without url', { http: {} }, 'http.url'],
      ['http url not a URL', { http: { url: 'mcp.example.com' } }, 'http.url'],
      ['http url with userinfo', { http: { url: 'https://user:pw@mcp.example.com/' } }, 'http.url'],
      ['http url with a fragment', { http: { url: 'https://mcp.example.com/mcp#x' } }, 'http.url'],
      ['plain http to a public host', { http: { url: 'http://mcp.example.com/mcp' } }, 'http.url'],
      [
        'plain http to a look-alike of a Service',
        { http: { url: 'http://evil.svc.example.com/' } },
        'http.url',
      ],
      ['an unknown http field', { http: { url: 'https://m.example', sse: true } }, 'http.sse'],
      [
        'a header with both value and valueFrom',
        {
          http: {
            url: 'https://m.example',
            headers: [{ name: 'X-Org', value: 'a', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
          },
        },
        'http.headers[0].value',
      ],
      [
        'a header with neither value nor valueFrom',
        { http: { url: 'https://m.example', headers: [{ name: 'X-Org' }] } },
        'http.headers[0].value',
      ],
      [
        'a header name that is not an HTTP token',
        { http: { url: 'https://m.example', headers: [{ name: 'X Org', value: 'a' }] } },
        'http.headers[0].name',
      ],
      [
        'a header the host sets (Host)',
        { http: { url: 'https://m.example', headers: [{ name: 'Host', value: 'other.example' }] } },
        'http.headers[0].name',
      ],
      [
        'a literal Authorization header',
        { http: { url: 'https://m.example', headers: [{ name: 'Authorization', value: 'x' }] } },
        'http.headers[0].value',
      ],
      [
        'a literal value that looks like a bearer token',
        { http: { url: 'https://m.example', headers: [{ name: 'X-Org', value: 'Bearer abc' }] } },
        'http.headers[0].value',
      ],
      [
        'a header listed twice',
        {
          http: {
            url: 'https://m.example',
            headers: [
              { name: 'X-Org', value: 'a' },
              { name: 'X-Org', value: 'b' },
            ],
          },
        },
        'http.headers[1]',
      ],
      [
        'two headers differing only in case',
        {
          http: {
            url: 'https://m.example',
            headers: [
              { name: 'X-Org', value: 'a' },
              { name: 'x-org', value: 'b' },
            ],
          },
        },
        'http.headers',
      ],
      [
        'secretKeyRef without key',
        {
          http: {
            url: 'https://m.example',
            headers: [{ name: 'X-Key', valueFrom: { secretKeyRef: { name: 's' } } }],
          },
        },
        'http.headers[0].valueFrom.secretKeyRef.key',
      ],
      [
        'secretKeyRef name not a DNS name',
        {
          http: {
            url: 'https://m.example',
            headers: [{ name: 'X-Key', valueFrom: { secretKeyRef: { name: 'My_Secret', key: 'k' } } }],
          },
        },
        'http.headers[0].valueFrom.secretKeyRef.name',
      ],
      [
        'more than 16 headers',
        {
          http: {
            url: 'https://m.example',
            headers: Array.from({ length: 17 }, (_, i) => ({ name: `X-H${i}`, value: 'v' })),
          },
        },
        'http.headers',
      ],
    ] as const
  ).map(([name, server, field], i) => ({
    name,
    manifest: agentGroup(`amh${i}`, { mcpServers: [{ name: 'remote', ...server }] }),
    field: `spec.mcpServers[0].${field}`,
  })),
  // AgentGroup spec.peers
  {
    name: 'peer declared twice',
    manifest: agentGroup('a19', { peers: [{ agentGroup: 'b' }, { agentGroup: 'b', name: 'other' }] }),
    field: 'spec.peers[1]',
  },
  {
    name: 'peer name not a DNS label',
    manifest: agentGroup('a20', { peers: [{ agentGroup: 'b', name: 'Research Bot' }] }),
    field: 'spec.peers[0].name',
  },
  {
    name: 'peer without agentGroup',
    manifest: agentGroup('a21', { peers: [{ name: 'b' }] }),
    field: 'spec.peers[0].agentGroup',
  },
  // MessagingGroup
  { name: 'channel missing', manifest: messagingGroup('m1', { platformId: '1' }), field: 'spec.channel' },
  {
    name: 'channel not lower-case',
    manifest: messagingGroup('m2', { channel: 'Telegram', platformId: '1' }),
    field: 'spec.channel',
  },
  {
    name: 'channel longer than 32',
    manifest: messagingGroup('m3', { channel: long(33), platformId: '1' }),
    field: 'spec.channel',
  },
  {
    name: 'platformId empty',
    manifest: messagingGroup('m4', { channel: 'web', platformId: '' }),
    field: 'spec.platformId',
  },
  {
    name: 'platformId longer than 256',
    manifest: messagingGroup('m5', { channel: 'web', platformId: long(257, '9') }),
    field: 'spec.platformId',
  },
  {
    name: 'unknown sender policy',
    manifest: messagingGroup('m6', { ...chat, unknownSenderPolicy: 'open' }),
    field: 'spec.unknownSenderPolicy',
  },
  {
    name: 'isGroup not a boolean',
    manifest: messagingGroup('m7', { ...chat, isGroup: 'yes' }),
    field: 'spec.isGroup',
  },
  {
    name: 'mode pattern without pattern',
    manifest: wired({ engage: { mode: 'pattern' } }),
    field: 'spec.agents[0].engage.pattern',
  },
  {
    name: 'pattern with mode mention',
    manifest: wired({ engage: { mode: 'mention', pattern: 'hi' } }),
    field: 'spec.agents[0].engage.pattern',
  },
  {
    name: 'pattern with the default mode',
    manifest: wired({ engage: { pattern: '.' } }),
    field: 'spec.agents[0].engage.pattern',
  },
  {
    name: 'unknown engage mode',
    manifest: wired({ engage: { mode: 'always' } }),
    field: 'spec.agents[0].engage.mode',
  },
  { name: 'priority above 1000', manifest: wired({ priority: 1001 }), field: 'spec.agents[0].priority' },
  { name: 'priority below -1000', manifest: wired({ priority: -1001 }), field: 'spec.agents[0].priority' },
  {
    name: 'unknown senderScope',
    manifest: wired({ senderScope: 'everyone' }),
    field: 'spec.agents[0].senderScope',
  },
  {
    name: 'unknown sessionMode',
    manifest: wired({ sessionMode: 'per-user' }),
    field: 'spec.agents[0].sessionMode',
  },
  {
    name: 'unknown ignoredMessages',
    manifest: wired({ ignoredMessages: 'keep' }),
    field: 'spec.agents[0].ignoredMessages',
  },
  {
    name: 'agent wired twice',
    manifest: messagingGroup('m8', {
      ...chat,
      agents: [{ agentGroup: 'ag' }, { agentGroup: 'ag', priority: 1 }],
    }),
    field: 'spec.agents[1]',
  },
  {
    name: 'wiring without agentGroup',
    manifest: messagingGroup('m9', { ...chat, agents: [{ priority: 1 }] }),
    field: 'spec.agents[0].agentGroup',
  },
  // UserRole
  {
    name: 'owner scoped to an agent group',
    manifest: userRole('u1', { user: 'telegram:1', role: 'owner', agentGroup: 'ag' }),
    field: 'spec.agentGroup',
  },
  {
    name: 'member without agent group',
    manifest: userRole('u2', { user: 'telegram:1', role: 'member' }),
    field: 'spec.agentGroup',
  },
  {
    name: 'user without channel',
    manifest: userRole('u3', { user: 'alice', role: 'admin' }),
    field: 'spec.user',
  },
  {
    name: 'user channel upper-case',
    manifest: userRole('u4', { user: 'Telegram:1', role: 'admin' }),
    field: 'spec.user',
  },
  {
    name: 'user longer than 320',
    manifest: userRole('u5', { user: `telegram:${long(312, '1')}`, role: 'admin' }),
    field: 'spec.user',
  },
  {
    name: 'unknown role',
    manifest: userRole('u6', { user: 'telegram:1', role: 'boss' }),
    field: 'spec.role',
  },
  { name: 'role missing', manifest: userRole('u7', { user: 'telegram:1' }), field: 'spec.role' },
  {
    name: 'agentGroup not a name',
    manifest: userRole('u8', { user: 'telegram:1', role: 'admin', agentGroup: 'Not A Name' }),
    field: 'spec.agentGroup',
  },
  ...INVALID_SKILLS,
];

/** Manifests that must be accepted (with defaults filled in the same way on both sides). */
export const VALID_MANIFESTS: Record<string, unknown>[] = [
  agentGroup('empty'),
  agentGroup('full', {
    displayName: 'Full',
    folder: 'full-folder',
    provider: 'mock',
    model: 'm',
    instructions: 'hi',
    runner: {
      image: 'ghcr.io/x/y:1',
      resources: { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: 1 } },
      env: [{ name: 'FOO', value: 'bar' }],
      idleTimeout: '1h30m',
    },
    budget: { monthlyTokens: 5_000_000 },
    egress: [
      { host: 'api.github.com' },
      { host: '*.example.com', ports: [443, 8443] },
      { host: 'localhost', ports: [8080] },
      { host: 'xn--80ak6aa92e.com' },
      {
        host: 'api.openweathermap.org',
        headers: [
          { name: 'X-Api-Key', valueFrom: { secretKeyRef: { name: 'weather', key: 'key' } } },
          { name: 'Accept-Language', value: 'en' },
        ],
      },
    ],
    mcpServers: [
      { name: 'files', stdio: { command: '/usr/local/bin/mcp-files', args: ['--root', '/workspace/agent'] } },
      { name: 'search', stdio: { command: 'mcp-search', env: [{ name: 'SEARCH_REGION', value: 'eu' }] } },
      {
        name: 'github',
        http: {
          url: 'https://api.githubcopilot.com/mcp/',
          headers: [
            {
              name: 'Authorization',
              valueFrom: { secretKeyRef: { name: 'github-mcp', key: 'authorization' } },
            },
            { name: 'X-MCP-Toolsets', value: 'repos,issues' },
          ],
        },
      },
      { name: 'local', http: { url: 'http://127.0.0.1:8931/mcp' } },
      { name: 'in-cluster', http: { url: 'http://mcp-search.tools.svc.cluster.local:8080/mcp' } },
    ],
  }),
  messagingGroup('web-main', { channel: 'web', platformId: 'main', agents: [{ agentGroup: 'full' }] }),
  messagingGroup('teams-chat', {
    channel: 'teams',
    platformId: '19:abc@thread.v2',
    isGroup: true,
    unknownSenderPolicy: 'request_approval',
    agents: [
      { agentGroup: 'a', engage: { mode: 'pattern', pattern: '.' }, priority: -5 },
      { agentGroup: 'b' },
    ],
  }),
  userRole('owner', { user: 'telegram:1', role: 'owner' }),
  userRole('admin-global', { user: 'teams:29:abc', role: 'admin' }),
  userRole('member', { user: 'web:local', role: 'member', agentGroup: 'full', displayName: 'Local' }),
  ...VALID_SKILLS,
];
