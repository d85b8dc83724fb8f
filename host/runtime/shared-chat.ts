/**
 * Whether people other than the local owner can make a session's agent act — the question the unsandboxed
 * embedded runtime asks before it starts a runner (an unsandboxed agent can read and write whatever the host's
 * user can, so it may only serve the owner's own chats unless NANOCLAW_UNSANDBOXED_SHARED_CHATS is set).
 *
 * A session is shared when any chat it reads from (its own chat; every chat wired to the group for an
 * agent-shared session) is not a web chat, is a group chat, or lets strangers in (`public`, `request_approval`),
 * or when anyone besides the owners has a say in the agent group (members, the group's admins, global admins).
 * An agent-to-agent session reads what the asking session's agent writes, so it is shared when that session is
 * (followed along the chain of asking sessions, at most MAX_PEER_DEPTH deep; deeper counts as shared).
 */
import { getAdminsOf, getGlobalAdmins } from '../access/roles.js';
import { listMembers } from '../access/members.js';
import type { CentralDb } from '../db/central-db.js';
import { getMessagingGroup } from '../db/messaging-groups.js';
import type { MessagingGroup } from '../db/schema.js';
import { listWirings } from '../db/wirings.js';
import { getSession } from '../session/session-store.js';

const MAX_PEER_DEPTH = 16;

/** Why the session's chat is open to others, or null when only the owners can write to its agent. */
export function sharedChatReason(db: CentralDb, sessionId: string, depth = 0): string | null {
  const session = getSession(db, sessionId);
  if (!session) return null;
  if (session.peer_session_id) {
    if (depth >= MAX_PEER_DEPTH) return 'the chain of agents asking each other is too long to check';
    const asking = sharedChatReason(db, session.peer_session_id, depth + 1);
    if (asking) return `it answers another agent's session, where ${asking}`;
  }
  const chats: MessagingGroup[] = session.peer_session_id
    ? []
    : session.session_mode !== 'agent-shared' && session.messaging_group_id
      ? [getMessagingGroup(db, session.messaging_group_id)].filter((m) => m !== undefined)
      : listWirings(db)
          .filter((w) => w.agent_group_id === session.agent_group_id)
          .map((w) => getMessagingGroup(db, w.messaging_group_id))
          .filter((m) => m !== undefined);
  for (const m of chats) {
    const chat = `chat ${m.channel_type}:${m.platform_id}`;
    if (m.channel_type !== 'web') return `${chat} is on ${m.channel_type}, where other people can write`;
    if (m.is_group) return `${chat} is a group chat`;
    if (m.unknown_sender_policy !== 'strict')
      return `${chat} lets unknown senders in (unknown-sender policy ${m.unknown_sender_policy})`;
  }
  const group = session.agent_group_id;
  if (listMembers(db, group).length > 0) return `agent group ${group} has members`;
  if (getAdminsOf(db, group).length > 0) return `agent group ${group} has admins`;
  if (getGlobalAdmins(db).length > 0) return 'the install has global admins';
  return null;
}
