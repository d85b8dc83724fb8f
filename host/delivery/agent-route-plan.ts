/**
 * Where a message an agent addressed to another agent goes — pure: facts in, decision out (agent-route.ts gathers
 * the facts and applies the decision).
 *
 * Invariants:
 * - Return path: a peer session (one kept for messages from one asking session) may always answer the agent group
 *   of that asking session, and what it says goes back into that very session. No declaration is needed: it is an
 *   answer, like an agent's reply to its own chat.
 * - Anything else is a new message to the target's peer session for the sending session, and only to a target the
 *   sending agent group declared as a peer (an `agent_destinations` row of type 'agent').
 * - Hops: a message is one hop more than the agent-to-agent message it answers (0 for a person's message, a task,
 *   or no message); beyond `maxHops` it is refused, so two agents can never keep each other busy forever.
 * - Text and files travel between agents (files are copied into the target session's inbox); question cards, edits
 *   and reactions are refused.
 * - Every refusal is final (retrying cannot change it) and has a reason for the drop audit.
 */

export type AgentRefusal =
  'a2a_peer_not_declared' | 'a2a_unknown_agent' | 'a2a_no_return_path' | 'a2a_hop_limit' | 'a2a_unsupported';

export interface AgentRouteFacts {
  source: {
    sessionId: string;
    agentGroupId: string;
    /** For a peer session: the asking session, when it still exists. */
    peer: { sessionId: string; agentGroupId: string; active: boolean } | null;
  };
  target: { agentGroupId: string; exists: boolean };
  /** The sending agent group has declared the target as a peer. */
  declared: boolean;
  /** Hops of the message the outbound row answers (its in_reply_to), 0 when that is not from an agent. */
  answeredHops: number;
  /** What the message carries besides text. */
  extras: { question: boolean; op: boolean };
  maxHops: number;
}

export type AgentRoutePlan =
  | { action: 'return'; sessionId: string; hops: number }
  | { action: 'ask'; agentGroupId: string; askingSessionId: string; hops: number }
  | { action: 'refuse'; reason: AgentRefusal; message: string };

export function planAgentRoute(f: AgentRouteFacts): AgentRoutePlan {
  const target = f.target.agentGroupId;
  const hops = f.answeredHops + 1;
  if (f.extras.question || f.extras.op) {
    const what = f.extras.op ? 'edits and reactions' : 'question cards';
    return {
      action: 'refuse',
      reason: 'a2a_unsupported',
      message: `only text and files can be sent to another agent (${what} cannot)`,
    };
  }
  const peer = f.source.peer;
  const isReturn = peer !== null && peer.agentGroupId === target;
  if (isReturn && !peer.active) {
    return {
      action: 'refuse',
      reason: 'a2a_no_return_path',
      message: `the session of agent group ${target} that asked is closed; there is nowhere to return this answer`,
    };
  }
  if (!isReturn) {
    if (!f.target.exists)
      return { action: 'refuse', reason: 'a2a_unknown_agent', message: `no agent group ${target}` };
    if (!f.declared) {
      return {
        action: 'refuse',
        reason: 'a2a_peer_not_declared',
        message: `unauthorized agent destination: agent group ${f.source.agentGroupId} has not declared ${target} as a peer`,
      };
    }
  }
  if (hops > f.maxHops) {
    return {
      action: 'refuse',
      reason: 'a2a_hop_limit',
      message: `agent-to-agent hop limit reached: this would be hop ${hops} of at most ${f.maxHops} since the last person's message`,
    };
  }
  return isReturn
    ? { action: 'return', sessionId: peer.sessionId, hops }
    : { action: 'ask', agentGroupId: target, askingSessionId: f.source.sessionId, hops };
}
