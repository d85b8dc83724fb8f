/**
 * What `nanoclaw start` / `nanoclaw host` say once the host accepts messages: a few lines for a person (pretty
 * logs) or one log record with the same facts (JSON logs), followed — always, on its own line — by the sign-in URL
 * (tests and scripts read that line). Pure: the facts in, the text out.
 */
import type { HostConfig } from '../host/config.js';

export interface StartFacts {
  version: string;
  /** embedded: `nanoclaw start` (manifests from the config folder); host: the DB is filled by an operator. */
  mode: 'embedded' | 'host';
  runtime: HostConfig['runtime'];
  dataDir: string;
  /** The manifest folder, in the embedded mode. */
  configDir: string | null;
  agentGroups: number;
  chats: number;
  /** The model the claude agent groups get. */
  model: string;
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

export function modelLine(config: Pick<HostConfig, 'anthropicApiKey' | 'anthropicBaseUrl'>): string {
  return config.anthropicApiKey
    ? `Claude through ${new URL(config.anthropicBaseUrl).origin}`
    : 'mock provider (no ANTHROPIC_API_KEY)';
}

function runtimeLine(f: StartFacts): string {
  return f.runtime === 'kubernetes' ? 'runner pods on Kubernetes' : 'runners as local processes';
}

/** The banner's lines for a terminal, ending with the sign-in URL on its own line. */
export function bannerText(f: StartFacts, signInUrl: string, localSignIn: boolean): string {
  const rows: [string, string][] = [
    ['data', f.dataDir],
    ...(f.configDir ? [['config', f.configDir] as [string, string]] : []),
    [
      'loaded',
      `${plural(f.agentGroups, 'agent group', 'agent groups')}, ${plural(f.chats, 'chat', 'chats')}`,
    ],
    ['model', f.model],
  ];
  return [
    `NanoClaw ${f.version} · ${f.mode} mode · ${runtimeLine(f)}`,
    ...rows.map(([k, v]) => `  ${k.padEnd(7)} ${v}`),
    localSignIn ? 'Open the web chat (a one-time sign-in link), or run "nanoclaw chat":' : 'Web chat:',
    signInUrl,
    '',
  ].join('\n');
}
