/**
 * The welcome of a new DM agent: a chat message from the host (sender null) written into the DM session's
 * inbound.db, so the agent greets the person through the normal runner → delivery path.
 *
 * Invariants:
 * - Written through the host's own session layer (SessionDbs, SessionManager.write: the session context, the
 *   even seq, the id-idempotent insert), never by hand; a message id already in inbound.db is left alone and no
 *   wake is asked for, so repeating the command changes nothing.
 * - The process writing it is not the host: it asks the running host's sweep to wake the session
 *   (wake_requests); a host started later wakes it at start-up because the row is due work.
 */
import pino from 'pino';
import type { CentralDb } from '../db/central-db.js';
import type { MessagingGroup } from '../db/schema.js';
import type { ChatInContent } from '../../protocol/messages.js';
import { InboundFiles } from '../session/inbound-files.js';
import { dataLayout } from '../session/layout.js';
import { SessionDbs } from '../session/session-dbs.js';
import { SessionManager } from '../session/session-manager.js';
import { resolveSession } from '../session/session-store.js';
import { requestWake } from '../sweep/wake-requests.js';
import { DM_WIRING } from './first-agent-plan.js';
import type { Step } from './steps.js';

export interface WelcomeInput {
  agentGroupId: string;
  dm: MessagingGroup;
  messageId: string;
  text: string;
}

export async function writeWelcome(db: CentralDb, dataDir: string, w: WelcomeInput): Promise<Step[]> {
  const { session, created } = resolveSession(db, {
    agentGroupId: w.agentGroupId,
    messagingGroupId: w.dm.id,
    threadId: null,
    mode: DM_WIRING.sessionMode,
  });
  const steps: Step[] = [
    { object: 'session', id: session.id, action: created ? 'created' : 'reused', detail: '' },
  ];
  const dbs = new SessionDbs(db, dataLayout(dataDir));
  try {
    const handle = dbs.of(session);
    const exists = handle
      .inbound()
      .first(handle.inbound().q.selectFrom('messages_in').select('id').where('id', '=', w.messageId));
    if (exists) {
      steps.push({ object: 'welcome', id: w.messageId, action: 'unchanged', detail: 'already written' });
      return steps;
    }
    const log = pino({ level: 'silent' });
    // A welcome carries no attachments: the file store is never used.
    const sessions = new SessionManager(
      db,
      dbs,
      { wake: (s) => Promise.resolve(requestWake(db, s.id, 'welcome')) },
      log,
      new InboundFiles(dataDir, 0, log),
    );
    const content: ChatInContent = { text: w.text, sender: null, senderName: null };
    const seq = await sessions.write(
      session,
      {
        id: w.messageId,
        kind: 'chat',
        content,
        channelType: w.dm.channel_type,
        platformId: w.dm.platform_id,
        threadId: null,
      },
      true,
    );
    steps.push({
      object: 'welcome',
      id: w.messageId,
      action: 'written',
      detail: `seq ${seq}; the running host wakes the agent on its next sweep`,
    });
    return steps;
  } finally {
    dbs.closeAll();
  }
}
