import type { Migration } from '../migrate.js';
import { initial } from './001-initial.js';
import { sessions } from './002-sessions.js';
import { hostMessages } from './003-host-messages.js';
import { webCredentials } from './004-web-credentials.js';
import { channelState } from './005-channel-state.js';
import { channelRegistrations } from './006-channel-registrations.js';
import { archivedSessions } from './007-archived-sessions.js';
import { webEvents } from './008-web-events.js';
import { mcpServerStatus } from './009-mcp-server-status.js';
import { peerSessions } from './010-peer-sessions.js';
import { modelUsage } from './011-model-usage.js';
import { sessionActivityIndex } from './012-session-activity-index.js';
import { agentChanges } from './013-agent-changes.js';

/** The central DB's migrations, in order. Append only. */
export const CENTRAL_MIGRATIONS: readonly Migration[] = [
  initial,
  sessions,
  hostMessages,
  webCredentials,
  channelState,
  channelRegistrations,
  archivedSessions,
  webEvents,
  mcpServerStatus,
  peerSessions,
  modelUsage,
  sessionActivityIndex,
  agentChanges,
];
