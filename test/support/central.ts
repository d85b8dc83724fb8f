import { upsertAgentGroup } from '../../host/db/agent-groups.js';
import { openCentralDb, type CentralDb } from '../../host/db/central-db.js';
import { upsertUser } from '../../host/db/users.js';

/** A migrated, private in-memory central DB. */
export function memoryDb(): CentralDb {
  return openCentralDb(':memory:');
}

/** A DB with agent groups ag-1 and ag-2. */
export function dbWithGroups(): CentralDb {
  const db = memoryDb();
  upsertAgentGroup(db, { id: 'ag-1', name: 'Agent One', folder: 'ag-1' });
  upsertAgentGroup(db, { id: 'ag-2', name: 'Agent Two', folder: 'ag-2' });
  return db;
}

export function user(db: CentralDb, id: string, name?: string): string {
  upsertUser(db, id, name);
  return id;
}
