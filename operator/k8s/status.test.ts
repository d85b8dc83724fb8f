import { describe, expect, it } from 'vitest';
import { desiredStatus, readyCondition, sameStatus, type ObjectStatus } from './status.js';

const t0 = new Date('2025-01-01T00:00:00.123Z');
const t1 = new Date('2025-01-01T00:05:00.000Z');
const ok = { ready: true, reason: 'Projected', message: 'fine', observed: { folder: 'a' } };
const bad = { ready: false, reason: 'AgentGroupNotFound', message: 'missing', observed: {} };

describe('status', () => {
  it('builds Ready with observedGeneration and the observed fields', () => {
    expect(desiredStatus(3, ok, undefined, t0)).toEqual({
      observedGeneration: 3,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Projected',
          message: 'fine',
          observedGeneration: 3,
          lastTransitionTime: '2025-01-01T00:00:00Z',
        },
      ],
      folder: 'a',
    });
  });

  it('keeps lastTransitionTime until the status flips, and compares without it', () => {
    const first = desiredStatus(1, ok, undefined, t0);
    const again = desiredStatus(1, ok, first, t1);
    expect(readyCondition(again)!.lastTransitionTime).toBe('2025-01-01T00:00:00Z');
    expect(sameStatus(first, again)).toBe(true);
    const flipped = desiredStatus(1, bad, again, t1);
    expect(readyCondition(flipped)!.lastTransitionTime).toBe('2025-01-01T00:05:00Z');
    expect(sameStatus(again, flipped)).toBe(false);
    expect(sameStatus(first, desiredStatus(2, ok, first, t1))).toBe(false);
    expect(sameStatus(undefined, first)).toBe(false);
  });

  it('adds the outcome’s other conditions after Ready, each with its own transition time', () => {
    const mcp = (status: 'True' | 'False') => ({
      ...ok,
      conditions: [
        { type: 'McpServersReady', status, reason: status === 'True' ? 'Started' : 'Failed', message: 'm' },
      ],
    });
    const first = desiredStatus(1, mcp('False'), undefined, t0);
    expect(first.conditions!.map((c) => [c.type, c.status, c.observedGeneration])).toEqual([
      ['Ready', 'True', 1],
      ['McpServersReady', 'False', 1],
    ]);
    const flipped = desiredStatus(1, mcp('True'), first, t1);
    expect(flipped.conditions!.map((c) => c.lastTransitionTime)).toEqual([
      '2025-01-01T00:00:00Z',
      '2025-01-01T00:05:00Z',
    ]);
    expect(desiredStatus(1, ok, flipped, t1).conditions!.map((c) => c.type)).toEqual(['Ready']);
  });

  it('compares regardless of key order (the API server sorts keys)', () => {
    const mine = desiredStatus(1, ok, undefined, t0);
    const fromServer = JSON.parse(
      '{"conditions":[{"lastTransitionTime":"2025-01-01T00:00:00Z","message":"fine","observedGeneration":1,' +
        '"reason":"Projected","status":"True","type":"Ready"}],"folder":"a","observedGeneration":1}',
    ) as ObjectStatus;
    expect(sameStatus(fromServer, mine)).toBe(true);
    expect(sameStatus({ ...fromServer, folder: 'b' }, mine)).toBe(false);
  });
});
