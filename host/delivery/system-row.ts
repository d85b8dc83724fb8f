/**
 * A runner's system row (messages_out kind 'system'), applied by the host: task actions change inbound.db
 * (system-actions.ts), a script failure report goes to script-failure.ts, and a configuration request
 * (create_agent, add_mcp_server, add_egress_host) is handed to whoever decides those (the agent-change card flow) — never applied.
 *
 * Invariants:
 * - The row is untrusted: it is parsed with the protocol schema, and a row that does not parse fails for good.
 * - A configuration request is handed over synchronously, before the row is recorded delivered; a host that has
 *   nobody to hand it to fails the row with that reason rather than dropping it.
 * - The person a configuration request is attributed to is read from inbound.db (the host's own record of the
 *   message the asking turn answered), never from the row.
 */
import type { Logger } from 'pino';
import { SystemAction, type AgentChangeAction } from '../../protocol/messages.js';
import type { MessageOut } from '../../protocol/session-db.js';
import type { Session } from '../db/schema.js';
import type { SessionHandle } from '../session/session-dbs.js';
import type { HostMessageInput } from './host-outbox.js';
import { inboundContent } from './inbound-content.js';
import { handleScriptFailure } from './script-failure.js';
import { applySystemAction } from './system-actions.js';
import type { ScriptRetryPolicy } from '../schedule/script-backoff.js';

/** A configuration request as the host hands it on. */
export interface AgentChangeRequest {
  session: Session;
  messageOutId: string;
  action: AgentChangeAction;
  /** The sender of the message the asking turn answered (null: a task, another agent, nothing). */
  requestedBy: string | null;
}

export interface SystemRowDeps {
  log: Logger;
  tz: string | undefined;
  scriptRetry: ScriptRetryPolicy;
  send: (m: HostMessageInput) => Promise<unknown>;
  /** Takes a configuration request; false when nothing in this host decides them. */
  agentChange: (req: AgentChangeRequest) => boolean;
}

/** What a row changed: tasks (the scheduler re-arms) or nothing the scheduler cares about. */
export type SystemRowEffect = 'schedule' | 'none';

export function applySystemRow(d: SystemRowDeps, handle: SessionHandle, row: MessageOut): SystemRowEffect {
  const { session } = handle;
  const inbound = handle.inbound();
  const action = SystemAction.parse(JSON.parse(row.content));
  const routing = inbound.first(inbound.q.selectFrom('session_routing').selectAll());
  switch (action.action) {
    case 'create_agent':
    case 'add_mcp_server':
    case 'add_egress_host': {
      const requestedBy = row.in_reply_to ? inboundContent(inbound, row.in_reply_to).sender : null;
      if (!d.agentChange({ session, messageOutId: row.id, action, requestedBy }))
        throw new Error(`${action.action} is not available: this host takes no configuration requests`);
      return 'none';
    }
    case 'task_script_failed':
      handleScriptFailure(
        { inbound, policy: d.scriptRetry, log: d.log, send: d.send },
        session.id,
        action,
        routing,
      );
      return 'schedule';
    default:
      applySystemAction(
        inbound,
        handle.outbound(),
        action,
        {
          channelType: row.channel_type ?? routing?.channel_type ?? null,
          platformId: row.platform_id ?? routing?.platform_id ?? null,
          threadId: row.thread_id ?? routing?.thread_id ?? null,
        },
        d.tz,
      );
      d.log.info({ sessionId: session.id, action: action.action }, 'applied runner action');
      return 'schedule';
  }
}
