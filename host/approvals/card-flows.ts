/**
 * The host's own card flows, built together: sender approvals (always), channel registrations (when the host has
 * somewhere to declare chats) and configuration requests from agents (when it has somewhere to write agent
 * groups). One list of card kinds for the click paths (inbound sink, web server), one start and one close.
 *
 * Invariant: a card id belongs to exactly one flow (each flow's ids carry its own prefix), so a click reaches the
 * flow that sent the card and no other.
 */
import type { Logger } from 'pino';
import { AgentChanges, isAgentChangeId, type AgentConfigWriter } from './agent-changes.js';
import type { Route } from './card-flow.js';
import { ChannelRegistrations, isRegistrationId, type ChatConfigWriter } from './channel-registrations.js';
import { isApprovalId } from './sender-approval-decision.js';
import { SenderApprovals } from './sender-approvals.js';
import type { ChannelRegistry } from '../channels/adapter.js';
import type { CentralDb } from '../db/central-db.js';
import type { HostMessageInput } from '../delivery/host-outbox.js';
import type { HostCards } from '../router/inbound-sink.js';

export interface CardFlowsDeps {
  db: CentralDb;
  channels: ChannelRegistry;
  send: (m: HostMessageInput) => Promise<unknown>;
  log: Logger;
  ttlMs: number;
  maxPendingRegistrations: number;
  chatConfigWriter?: ChatConfigWriter;
  agentConfigWriter?: AgentConfigWriter;
  tellAgent: (sessionId: string, text: string) => Promise<void>;
}

export interface CardFlows {
  approvals: SenderApprovals;
  registrations: ChannelRegistrations | null;
  agentChanges: AgentChanges | null;
  cards: HostCards[];
  start(o: { intervalMs: number; route: Route }): Promise<void>;
  close(): void;
}

export function createCardFlows(d: CardFlowsDeps): CardFlows {
  const base = { db: d.db, channels: d.channels, send: d.send, log: d.log, ttlMs: d.ttlMs };
  const approvals = new SenderApprovals(base);
  const registrations = d.chatConfigWriter
    ? new ChannelRegistrations({
        ...base,
        writer: d.chatConfigWriter,
        maxPending: d.maxPendingRegistrations,
      })
    : null;
  const agentChanges = d.agentConfigWriter
    ? new AgentChanges({ ...base, writer: d.agentConfigWriter, tellAgent: d.tellAgent })
    : null;
  const cards: HostCards[] = [
    { isCard: isApprovalId, click: approvals.click.bind(approvals) },
    ...(registrations ? [{ isCard: isRegistrationId, click: registrations.click.bind(registrations) }] : []),
    ...(agentChanges ? [{ isCard: isAgentChangeId, click: agentChanges.click.bind(agentChanges) }] : []),
  ];
  const flows = [approvals, registrations, agentChanges].filter((f) => f !== null);
  return {
    approvals,
    registrations,
    agentChanges,
    cards,
    start: async (o) => {
      for (const f of flows) await f.start(o);
    },
    close: () => {
      for (const f of flows) f.close();
    },
  };
}
