import { KubeConfig, Watch, type KubernetesObject } from '@kubernetes/client-node';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ResilientInformer, type BackoffClock, type InformerOptions, type ObjectList } from './informer.js';

interface Obj extends KubernetesObject {
  metadata: { name: string; namespace: string; resourceVersion: string };
}

type WatchCallback = Parameters<Watch['watch']>[2];
type WatchDone = Parameters<Watch['watch']>[3];

/** One watch request the informer opened; the test plays the server's side of its stream. */
class OpenWatch {
  readonly controller = new AbortController();
  private ended = false;

  constructor(
    readonly resourceVersion: string,
    private readonly callback: WatchCallback,
    private readonly done: WatchDone,
  ) {
    // Like client-node's Watch: an aborted request ends its stream with an error, asynchronously.
    this.controller.signal.addEventListener('abort', () =>
      queueMicrotask(() => this.end(new Error('aborted'))),
    );
  }

  get closed(): boolean {
    return this.ended;
  }

  send(type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'ERROR', obj: unknown): void {
    if (this.ended) throw new Error('the watch is closed');
    this.callback(type, structuredClone(obj));
  }

  /** The stream ends: `null` for a clean close, an error for a failure. */
  end(err: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.done(err);
  }
}

/** The API server's side of one collection: its objects and resourceVersion, its lists, its watches. */
class FakeServer extends Watch {
  readonly objects = new Map<string, Obj>();
  readonly watches: OpenWatch[] = [];
  lists = 0;
  /** The next this many lists fail. */
  failLists = 0;
  private rv = 100;

  constructor() {
    super(new KubeConfig());
  }

  /** Creates or modifies an object (a new resourceVersion) and returns it. */
  put(name: string): Obj {
    const obj = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'ns', resourceVersion: String(++this.rv) },
    };
    this.objects.set(name, obj);
    return obj;
  }

  /** Deletes an object and returns its final state, as a DELETED event carries it. */
  remove(name: string): Obj {
    const obj = this.objects.get(name)!;
    this.objects.delete(name);
    return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } };
  }

  readonly list = (): Promise<ObjectList<Obj>> => {
    this.lists++;
    if (this.failLists > 0) {
      this.failLists--;
      return Promise.reject(new Error('list refused'));
    }
    return Promise.resolve({
      items: structuredClone([...this.objects.values()]),
      metadata: { resourceVersion: String(this.rv) },
    });
  };

  override watch(
    _path: string,
    query: Record<string, string | number | boolean | undefined>,
    callback: WatchCallback,
    done: WatchDone,
  ): Promise<AbortController> {
    const w = new OpenWatch(String(query.resourceVersion), callback, done);
    this.watches.push(w);
    return Promise.resolve(w.controller);
  }

  openWatches(): OpenWatch[] {
    return this.watches.filter((w) => !w.closed);
  }

  /** The one watch still open. */
  current(): OpenWatch {
    const open = this.openWatches();
    expect(open).toHaveLength(1);
    return open[0]!;
  }
}

/** Timers that fire only when the test says so. */
class ManualClock implements BackoffClock {
  pending: { ms: number; fn: () => void }[] = [];
  jitter = 0.5; // no jitter: the delay is its nominal value

  after(ms: number, fn: () => void): () => void {
    const timer = { ms, fn };
    this.pending.push(timer);
    return () => {
      this.pending = this.pending.filter((t) => t !== timer);
    };
  }

  random(): number {
    return this.jitter;
  }

  delays(): number[] {
    return this.pending.map((t) => t.ms);
  }

  /** Runs the one pending timer. */
  fire(): void {
    expect(this.pending).toHaveLength(1);
    this.pending.shift()!.fn();
  }
}

/** Lets the informer's promise chains run (no timers involved). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

const log = pino({ level: 'silent' });
const running: ResilientInformer<Obj>[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((i) => i.stop()));
});

function setup(opts: Partial<InformerOptions<Obj>> = {}) {
  const server = new FakeServer();
  const clock = new ManualClock();
  const events: string[] = [];
  const informer = new ResilientInformer<Obj>({
    name: 'Pod/ns',
    kc: server.config,
    path: '/api/v1/namespaces/ns/pods',
    list: server.list,
    onEvent: (event, o) => events.push(`${event} ${o.metadata.name}@${o.metadata.resourceVersion}`),
    log,
    watch: server,
    clock,
    ...opts,
  });
  running.push(informer);
  const cache = () => informer.list().map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`);
  return { server, clock, events, informer, cache };
}

describe('ResilientInformer', () => {
  it('lists first, then watches from the list’s resourceVersion and forwards each watch event once', async () => {
    const { server, events, informer, cache } = setup();
    server.put('a'); // 101
    server.put('b'); // 102
    informer.start();
    expect(informer.hasSynced()).toBe(false);
    await informer.waitForSync();

    expect(informer.hasSynced()).toBe(true);
    expect(events).toEqual(['add a@101', 'add b@102']);
    const w = server.current();
    expect(w.resourceVersion).toBe('102');

    w.send('ADDED', server.put('c'));
    w.send('MODIFIED', server.put('a'));
    w.send('MODIFIED', server.objects.get('a')); // the same version again
    w.send('DELETED', server.remove('b'));
    expect(events.slice(2)).toEqual(['add c@103', 'update a@104', 'delete b@105']);
    expect(cache()).toEqual(['a@104', 'c@103']);
    expect(server.lists).toBe(1);
  });

  it.each([
    [
      'an ERROR event with code 410, then the stream closes',
      (w: OpenWatch) => (w.send('ERROR', { code: 410 }), w.end(null)),
    ],
    [
      'the watch request answered 410',
      (w: OpenWatch) => w.end(Object.assign(new Error('Gone'), { statusCode: 410 })),
    ],
  ])('after 410 Gone (%s) it lists again at once and reports only what changed', async (_, gone) => {
    const { server, clock, events, informer, cache } = setup();
    server.put('a');
    server.put('b');
    server.put('c');
    informer.start();
    await informer.waitForSync();
    events.length = 0;
    server.put('a'); // 104
    server.remove('b');
    server.put('d'); // 106

    gone(server.current());
    await settle();

    expect(events).toEqual(['delete b@102', 'update a@104', 'add d@106']);
    expect(cache().sort()).toEqual(['a@104', 'c@103', 'd@106']);
    expect(server.lists).toBe(2);
    expect(clock.pending).toEqual([]);
    expect(server.current().resourceVersion).toBe('106');
  });

  it('reconnects a failed watch after a backoff, from the last resourceVersion it saw, without listing', async () => {
    const { server, clock, events, informer } = setup();
    server.put('a');
    informer.start();
    await informer.waitForSync();
    server.current().send('MODIFIED', server.put('a')); // 102

    server.current().end(new Error('connection reset'));
    await settle();
    expect(server.openWatches()).toEqual([]);
    expect(clock.delays()).toEqual([1000]);
    expect(informer.hasSynced()).toBe(true);
    expect(informer.get('a', 'ns')?.metadata.resourceVersion).toBe('102');

    clock.fire();
    await settle();
    expect(server.current().resourceVersion).toBe('102');
    expect(server.lists).toBe(1);
    expect(events).toEqual(['add a@101', 'update a@102']);
  });

  it('after a watch error and 410 on reconnect, relists after the backoff: adds, updates and deletes once each', async () => {
    const { server, clock, events, informer, cache } = setup();
    server.put('a'); // 101
    server.put('b'); // 102
    informer.start();
    await informer.waitForSync();
    events.length = 0;

    server.current().end(new Error('connection reset'));
    await settle();
    server.put('a'); // 103, while no watch is open
    server.remove('b');
    server.put('c'); // 105
    clock.fire();
    await settle();
    expect(events).toEqual([]);
    server.current().end(Object.assign(new Error('Gone'), { statusCode: 410 })); // resourceVersion 102 is too old
    await settle();

    expect(events).toEqual(['delete b@102', 'update a@103', 'add c@105']);
    expect(cache().sort()).toEqual(['a@103', 'c@105']);
    expect(server.lists).toBe(2);
    const w = server.current();
    expect(w.resourceVersion).toBe('105');
    w.send('MODIFIED', server.put('c'));
    expect(events.slice(3)).toEqual(['update c@106']);
  });

  it('doubles the backoff per failure up to the cap, jitters it by ±25 % and starts over after a list succeeds', async () => {
    const { server, clock, informer } = setup({ initialBackoffMs: 1000, maxBackoffMs: 5000 });
    server.put('a');
    server.failLists = 4;
    informer.start();
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      await settle();
      delays.push(...clock.delays());
      clock.fire();
    }
    await informer.waitForSync();
    expect(delays).toEqual([1000, 2000, 4000, 5000]);
    expect(server.lists).toBe(5);

    clock.jitter = 0;
    server.current().end(new Error('connection reset'));
    await settle();
    expect(clock.delays()).toEqual([750]);
  });

  it('relist() swaps in a fresh cache, announces what it listed and reports vanished objects as deleted', async () => {
    const { server, events, informer, cache } = setup();
    server.put('a'); // 101
    server.put('b'); // 102
    informer.start();
    await informer.waitForSync();
    events.length = 0;
    const hung = server.current();
    server.remove('b'); // a hung watch delivers nothing of this
    server.put('c'); // 104

    expect(await informer.relist()).toBe(true);
    await settle();

    expect(events).toEqual(['add a@101', 'add c@104', 'delete b@102']);
    expect(cache()).toEqual(['a@101', 'c@104']);
    expect(hung.closed).toBe(true);
    expect(server.current().resourceVersion).toBe('104');
  });

  it('keeps the old cache and its watch when relist()’s list fails, and schedules no restart', async () => {
    const { server, clock, events, informer, cache } = setup();
    server.put('a');
    informer.start();
    await informer.waitForSync();
    server.failLists = 1;

    expect(await informer.relist()).toBe(false);
    await settle();

    expect(cache()).toEqual(['a@101']);
    expect(clock.pending).toEqual([]);
    server.current().send('ADDED', server.put('b'));
    expect(events).toEqual(['add a@101', 'add b@102']);
  });

  it('stop() cancels a pending restart, closes the watch and releases sync waiters', async () => {
    const { server, clock, informer } = setup();
    server.failLists = 1;
    informer.start();
    await settle();
    expect(clock.delays()).toEqual([1000]);
    const waiting = informer.waitForSync();

    await informer.stop();
    await waiting;
    expect(clock.pending).toEqual([]);
    expect(informer.hasSynced()).toBe(false);
    expect(server.openWatches()).toEqual([]);
  });
});
