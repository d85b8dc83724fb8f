import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { deliveryPlan, POLL_MODE_MS } from './delivery-mode.js';

describe('delivery mode', () => {
  it('notify: notices both ways, no outbound poll loop, the configured runner fallback poll', () => {
    expect(deliveryPlan('notify', 2000)).toEqual({
      inboundNotices: true,
      drainOnRunnerNotice: true,
      outboundPollMs: null,
      runnerPollMs: 2000,
    });
  });

  it('poll: no notices either way, both sides poll every second whatever the runner poll setting', () => {
    expect(POLL_MODE_MS).toBe(1000);
    expect(deliveryPlan('poll', 250)).toEqual({
      inboundNotices: false,
      drainOnRunnerNotice: false,
      outboundPollMs: 1000,
      runnerPollMs: 1000,
    });
  });

  it('NANOCLAW_DELIVERY_MODE defaults to notify and refuses anything but notify or poll', () => {
    expect(loadConfig({}).deliveryMode).toBe('notify');
    expect(loadConfig({ NANOCLAW_DELIVERY_MODE: 'poll' }).deliveryMode).toBe('poll');
    expect(() => loadConfig({ NANOCLAW_DELIVERY_MODE: 'push' })).toThrow(/NANOCLAW_DELIVERY_MODE/);
  });
});
