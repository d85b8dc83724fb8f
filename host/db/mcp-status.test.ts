import { beforeEach, describe, expect, it } from 'vitest';
import { memoryDb } from '../../test/support/central.js';
import { upsertAgentGroup } from './agent-groups.js';
import type { CentralDb } from './central-db.js';
import { mcpStatusOf, recordMcpReports } from './mcp-status.js';

const server = (name: string) => ({ name, command: `/usr/bin/mcp-${name}`, args: [], env: {} });
const session = { id: 'sess-1', agent_group_id: 'ag' };
let db: CentralDb;

function configure(...names: string[]): void {
  upsertAgentGroup(db, { id: 'ag', name: 'A', folder: 'ag', runner: { mcpServers: names.map(server) } });
}

beforeEach(() => {
  db = memoryDb();
  configure('files', 'search');
});

describe('MCP server reports from runners', () => {
  it('keeps reports about configured servers only, and drops invented names', () => {
    const kept = recordMcpReports(db, session, [
      { name: 'files', state: 'ready', tools: 3 },
      { name: 'search', state: 'failed', tools: 0, error: 'spawn mcp-search ENOENT' },
      { name: 'invented', state: 'failed', tools: 0, error: 'look at me' },
    ]);
    expect(kept.map((k) => k.name)).toEqual(['files', 'search']);
    expect(mcpStatusOf(db, 'ag')).toEqual([
      expect.objectContaining({ server_name: 'files', state: 'ready', tools: 3, error: null }),
      expect.objectContaining({
        server_name: 'search',
        state: 'failed',
        tools: 0,
        error: 'spawn mcp-search ENOENT',
        session_id: 'sess-1',
      }),
    ]);
  });

  it('flattens control characters in the reason, and a ready report carries no error', () => {
    recordMcpReports(db, session, [
      { name: 'files', state: 'ready', tools: 1, error: 'ignored' },
      { name: 'search', state: 'failed', tools: 9, error: 'line one\n\u001b[31mline two' },
    ]);
    const [files, search] = mcpStatusOf(db, 'ag');
    expect(files).toMatchObject({ error: null, tools: 1 });
    expect(search).toMatchObject({ error: 'line one [31mline two', tools: 0 });
  });

  it('lets the newest report win', () => {
    recordMcpReports(db, session, [{ name: 'files', state: 'failed', tools: 0, error: 'crashed' }]);
    recordMcpReports(db, { ...session, id: 'sess-2' }, [{ name: 'files', state: 'ready', tools: 2 }]);
    expect(mcpStatusOf(db, 'ag')).toEqual([
      expect.objectContaining({ server_name: 'files', state: 'ready', session_id: 'sess-2' }),
    ]);
  });

  it('shows nothing for a server removed from the configuration, and rows go with their agent group', () => {
    recordMcpReports(db, session, [
      { name: 'files', state: 'ready', tools: 1 },
      { name: 'search', state: 'failed', tools: 0, error: 'x' },
    ]);
    configure('files');
    expect(mcpStatusOf(db, 'ag').map((r) => r.server_name)).toEqual(['files']);
    db.run(db.q.deleteFrom('agent_groups').where('id', '=', 'ag'));
    expect(db.all(db.q.selectFrom('mcp_server_status').selectAll())).toEqual([]);
  });
});
