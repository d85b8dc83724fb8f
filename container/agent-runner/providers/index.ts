/**
 * Chooses the provider named by NANOCLAW_PROVIDER. The claude SDK is imported only when it is chosen. The agent
 * group's MCP servers are for the claude provider; the mock provider has no use for them.
 */
import fs from 'node:fs';
import type { RunnerConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { McpStartup } from '../mcp/probe.js';
import { MockProvider } from './mock.js';
import { mockShellEnabled } from './mock-shell.js';
import type { Provider } from './provider.js';

export async function createProvider(config: RunnerConfig, log: Logger, mcp: McpStartup): Promise<Provider> {
  switch (config.provider) {
    case 'mock':
      return new MockProvider({
        agentDir: config.paths.agent,
        ...(mockShellEnabled(process.env)
          ? { shellCwd: fs.existsSync(config.paths.agent) ? config.paths.agent : config.paths.root }
          : {}),
      });
    case 'claude': {
      const { ClaudeProvider } = await import('./claude.js');
      return ClaudeProvider.create(config, log, mcp);
    }
  }
}
