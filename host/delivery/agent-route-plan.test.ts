import { describe, expect, it } from 'vitest';
import { planAgentRoute, type AgentRouteFacts } from './agent-route-plan.js';

/** Session s-a of agent group a (a person's chat) sending to agent group b, which a declared. */
function facts(over: Partial<AgentRouteFacts> = {}): AgentRouteFacts {
  return {
    source: { sessionId: 's-a', agentGroupId: 'a', peer: null },
    target: { agentGroupId: 'b', exists: true },
    declared: true,
    answeredHops: 0,
    extras: { question: false, op: false },
    maxHops: 4,
    ...over,
  };
}

/** Session t-b of agent group b, kept for the messages of session s-a (agent group a). */
const peerOfA = {
  sessionId: 't-b',
  agentGroupId: 'b',
  peer: { sessionId: 's-a', agentGroupId: 'a', active: true },
};

describe('planAgentRoute', () => {
  it('sends a message to a declared peer into its session for the sending session, as hop 1', () => {
    expect(planAgentRoute(facts())).toEqual({
      action: 'ask',
      agentGroupId: 'b',
      askingSessionId: 's-a',
      hops: 1,
    });
  });

  it('refuses an undeclared peer, naming both agent groups', () => {
    expect(planAgentRoute(facts({ declared: false }))).toEqual({
      action: 'refuse',
      reason: 'a2a_peer_not_declared',
      message: 'unauthorized agent destination: agent group a has not declared b as a peer',
    });
  });

  it('refuses an agent group that does not exist', () => {
    expect(
      planAgentRoute(facts({ target: { agentGroupId: 'ghost', exists: false }, declared: false })),
    ).toMatchObject({
      action: 'refuse',
      reason: 'a2a_unknown_agent',
    });
  });

  it('returns an answer to the asking session without any declaration (the return path)', () => {
    expect(
      planAgentRoute(
        facts({
          source: peerOfA,
          target: { agentGroupId: 'a', exists: true },
          declared: false,
          answeredHops: 1,
        }),
      ),
    ).toEqual({ action: 'return', sessionId: 's-a', hops: 2 });
  });

  it('treats a message from a peer session to any other agent group as a new message needing a declaration', () => {
    const base = { source: peerOfA, target: { agentGroupId: 'c', exists: true }, answeredHops: 1 };
    expect(planAgentRoute(facts({ ...base, declared: false }))).toMatchObject({
      reason: 'a2a_peer_not_declared',
    });
    expect(planAgentRoute(facts({ ...base, declared: true }))).toEqual({
      action: 'ask',
      agentGroupId: 'c',
      askingSessionId: 't-b',
      hops: 2,
    });
  });

  it('refuses an answer when the asking session is closed', () => {
    const closed = { ...peerOfA, peer: { ...peerOfA.peer, active: false } };
    expect(
      planAgentRoute(facts({ source: closed, target: { agentGroupId: 'a', exists: true } })),
    ).toMatchObject({
      action: 'refuse',
      reason: 'a2a_no_return_path',
    });
  });

  it.each([
    [0, 'ask'],
    [3, 'ask'],
    [4, 'refuse'],
    [40, 'refuse'],
  ])('with at most 4 hops, answering a message of hop %i is %s', (answeredHops, action) => {
    expect(planAgentRoute(facts({ answeredHops })).action).toBe(action);
    expect(
      planAgentRoute(facts({ source: peerOfA, target: { agentGroupId: 'a', exists: true }, answeredHops }))
        .action,
    ).toBe(action === 'ask' ? 'return' : 'refuse');
  });

  it('says why the hop limit refused a message', () => {
    expect(planAgentRoute(facts({ answeredHops: 4 }))).toEqual({
      action: 'refuse',
      reason: 'a2a_hop_limit',
      message:
        "agent-to-agent hop limit reached: this would be hop 5 of at most 4 since the last person's message",
    });
  });

  it.each([
    [{ question: true, op: false }, /question cards/],
    [{ question: false, op: true }, /edits and reactions/],
  ])('refuses anything but text and files (%j)', (extras, message) => {
    const plan = planAgentRoute(facts({ extras }));
    expect(plan).toMatchObject({ action: 'refuse', reason: 'a2a_unsupported' });
    expect(plan.action === 'refuse' && plan.message).toMatch(message);
  });

  it('never lets a refused or undeclared target through, whatever the hops (every combination)', () => {
    for (const declared of [true, false])
      for (const exists of [true, false])
        for (const answeredHops of [0, 1, 3, 4, 9])
          for (const fromPeer of [true, false]) {
            const target = { agentGroupId: 'a', exists };
            const plan = planAgentRoute(
              facts({ source: fromPeer ? peerOfA : facts().source, target, declared, answeredHops }),
            );
            if (plan.action === 'refuse') continue;
            expect(plan.hops).toBeLessThanOrEqual(4);
            if (plan.action === 'ask') expect(declared && exists).toBe(true);
            if (plan.action === 'return') expect(fromPeer).toBe(true);
          }
  });
});
