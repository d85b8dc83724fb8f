import { describe, expect, it } from 'vitest';
import { durationSeconds } from './common.js';
import { fieldPath, parseManifest } from './parse.js';
import {
  INVALID_MANIFESTS,
  VALID_MANIFESTS,
  agentGroup,
  messagingGroup,
} from './testdata/invalid-manifests.js';

describe('manifest validation (zod loader side of the CRD parity table)', () => {
  it('has at least 30 invalid cases', () => {
    expect(INVALID_MANIFESTS.length).toBeGreaterThanOrEqual(30);
  });

  it.each(INVALID_MANIFESTS.map((c) => [c.name, c] as const))('refuses: %s', (_name, c) => {
    const res = parseManifest(c.manifest);
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.errors.map((e) => e.field)).toContain(c.field);
  });

  it.each(VALID_MANIFESTS.map((m) => [(m.metadata as { name: string }).name, m] as const))(
    'accepts: %s',
    (_name, m) => {
      const res = parseManifest(m);
      expect(res.ok ? [] : res.errors).toEqual([]);
    },
  );

  it('fills the documented defaults', () => {
    const ag = parseManifest(agentGroup('x'));
    expect(ag.ok && ag.manifest.spec).toEqual({ provider: 'claude', runner: { idleTimeout: '30m' } });
    const noSpec = parseManifest({
      apiVersion: 'nanoclaw.dev/v1alpha1',
      kind: 'AgentGroup',
      metadata: { name: 'y' },
    });
    expect(noSpec.ok && noSpec.manifest.spec).toEqual({ provider: 'claude', runner: { idleTimeout: '30m' } });
    const mg = parseManifest(
      messagingGroup('m', { channel: 'web', platformId: 'p', agents: [{ agentGroup: 'x' }] }),
    );
    expect(mg.ok && mg.manifest.spec).toEqual({
      channel: 'web',
      platformId: 'p',
      isGroup: false,
      unknownSenderPolicy: 'strict',
      agents: [
        {
          agentGroup: 'x',
          engage: { mode: 'mention' },
          senderScope: 'all',
          ignoredMessages: 'drop',
          sessionMode: 'shared',
          priority: 0,
        },
      ],
    });
  });

  it('names apiVersion and kind problems', () => {
    const wrongVersion = parseManifest({ ...agentGroup('x'), apiVersion: 'nanoclaw.dev/v1' });
    expect(!wrongVersion.ok && wrongVersion.errors[0]!.field).toBe('apiVersion');
    const wrongKind = parseManifest({ ...agentGroup('x'), kind: 'Agent' });
    expect(!wrongKind.ok && wrongKind.errors[0]!.field).toBe('kind');
    const notAMap = parseManifest(['x']);
    expect(notAMap.ok).toBe(false);
  });

  it('formats field paths like the API server', () => {
    expect(fieldPath(['spec', 'agents', 1, 'engage', 'pattern'])).toBe('spec.agents[1].engage.pattern');
    expect(fieldPath([])).toBe('');
  });

  it('parses durations', () => {
    expect(durationSeconds('30m')).toBe(1800);
    expect(durationSeconds('1h30m')).toBe(5400);
    expect(durationSeconds('90s')).toBe(90);
    expect(durationSeconds('')).toBeNaN();
    expect(durationSeconds('5d')).toBeNaN();
  });
});
