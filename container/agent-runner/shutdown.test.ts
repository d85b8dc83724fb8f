import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Shutdown } from './shutdown.js';

const log = pino({ level: 'silent' });

afterEach(() => {
  vi.useRealTimers();
});

describe('Shutdown', () => {
  it('aborts its signal and runs the stop subscribers at the first request, the abort ones at the second', () => {
    const shutdown = new Shutdown(log, 20_000);
    const seen: string[] = [];
    shutdown.on('stop', () => seen.push('stop'));
    shutdown.on('abort', () => seen.push('abort'));
    expect(shutdown.signal.aborted).toBe(false);

    shutdown.request('SIGTERM');
    expect(shutdown.signal.aborted).toBe(true);
    expect(seen).toEqual(['stop']);
    shutdown.request('SIGTERM');
    expect(seen).toEqual(['stop', 'abort']);
    shutdown.dispose();
  });

  it('tells a part that subscribes after the request at once', () => {
    const shutdown = new Shutdown(log, 20_000);
    shutdown.request('host: idle');
    const seen: string[] = [];
    shutdown.on('stop', () => seen.push('stop'));
    shutdown.on('abort', () => seen.push('abort'));
    expect(seen).toEqual(['stop']);
    shutdown.request('SIGINT');
    shutdown.on('abort', () => seen.push('late abort'));
    expect(seen).toEqual(['stop', 'abort', 'late abort']);
    shutdown.dispose();
  });

  it('aborts when the grace period runs out, unless disposed first', () => {
    vi.useFakeTimers();
    const lapsed = new Shutdown(log, 1000);
    const disposed = new Shutdown(log, 1000);
    const seen: string[] = [];
    lapsed.on('abort', () => seen.push('lapsed'));
    disposed.on('abort', () => seen.push('disposed'));
    lapsed.request('SIGTERM');
    disposed.request('SIGTERM');
    disposed.dispose();

    vi.advanceTimersByTime(999);
    expect(seen).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(seen).toEqual(['lapsed']);
  });
});
