import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, startHostProcess, tempDir, type HostProcess } from '../support/host-process.js';
import { ChatStream, send } from '../support/web-client.js';

// Within the web chat's burst allowance (20), so no POST is rate-limited.
const MESSAGES = 16;
const home = tempDir('nc-backup-');
const hosts: HostProcess[] = [];
const streams: ChatStream[] = [];

afterAll(async () => {
  for (const s of streams) s.close();
  for (const h of hosts) await h.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** Texts of every chat message in the data dir's session inbound DBs. */
function inboundTexts(dataDir: string): Set<string> {
  const texts = new Set<string>();
  const root = path.join(dataDir, 'sessions', 'assistant');
  for (const id of fs.readdirSync(root)) {
    const file = path.join(root, id, 'inbound.db');
    if (!fs.existsSync(file)) continue;
    const db = new Database(file, { readonly: true });
    for (const r of db.prepare('SELECT content FROM messages_in').all() as { content: string }[])
      texts.add((JSON.parse(r.content) as { text?: string }).text ?? '');
    db.close();
  }
  return texts;
}

describe('backup and restore drill', () => {
  it('backs up while messages flow; a host started on the restored data dir has every message accepted before', async () => {
    const configDir = path.join(home, 'nanoclaw.d');
    const source = await startHostProcess({
      dataDir: path.join(home, 'data'),
      verb: 'start',
      env: { NANOCLAW_CONFIG_DIR: configDir, LOG_LEVEL: 'info' },
    });
    hosts.push(source);
    const groups = path.join(source.dataDir, 'groups');
    fs.mkdirSync(path.join(groups, 'assistant', 'notes'), { recursive: true });
    fs.writeFileSync(path.join(groups, 'assistant', 'notes', 'todo.md'), 'agent notes\n');
    fs.mkdirSync(path.join(groups, 'global'), { recursive: true });
    fs.writeFileSync(path.join(groups, 'global', 'shared.md'), 'shared\n');
    const out = path.join(home, 'backup');
    const accepted: string[] = [];
    let acceptedBeforeBackup: string[] = [];
    let backup: Promise<{ code: number | null; stdout: string; stderr: string }> | undefined;
    for (let i = 0; i < MESSAGES; i++) {
      if (i === MESSAGES / 2) {
        acceptedBeforeBackup = [...accepted];
        backup = cli(['backup', '--data-dir', source.dataDir, '--out', out]);
      }
      const text = `numbered ${i}`;
      await send(source.url, { text });
      accepted.push(text);
    }
    const b = await backup!;
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'))).toMatchObject({
      format: 'nanoclaw-backup/1',
      sessions: 1,
      skipped: [],
    });
    expect(await source.stop()).toBe(0);

    const restored = path.join(home, 'restored');
    const r = await cli(['restore', out, '--data-dir', restored]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const texts = inboundTexts(restored);
    expect(acceptedBeforeBackup.filter((t) => !texts.has(t))).toEqual([]);
    expect(fs.readFileSync(path.join(restored, 'groups', 'assistant', 'notes', 'todo.md'), 'utf8')).toBe(
      'agent notes\n',
    );
    expect(fs.readFileSync(path.join(restored, 'groups', 'global', 'shared.md'), 'utf8')).toBe('shared\n');

    const again = await cli(['restore', out, '--data-dir', restored]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('is not empty');

    const host = await startHostProcess({
      dataDir: restored,
      verb: 'start',
      env: { NANOCLAW_CONFIG_DIR: configDir, LOG_LEVEL: 'info' },
    });
    hosts.push(host);
    const chat = new ChatStream(host.url);
    streams.push(chat);
    await chat.opened();
    await send(host.url, { text: 'after restore' });
    // Messages accepted but not answered at backup time are processed now; the new one may join that turn as a
    // follow-up (one reply answers them all), so it is found in a reply either way.
    await chat.waitFor((m) => /^Mock (response to|follow-up): after restore$/m.test(m.text), 30_000);
  });

  it('never follows a symlink in an agent folder: it is reported as skipped and the backup exits 1', async () => {
    const dataDir = path.join(home, 'restored');
    const secret = path.join(home, 'outside-secret.txt');
    fs.writeFileSync(secret, 'not part of any agent');
    fs.symlinkSync(secret, path.join(dataDir, 'groups', 'assistant', 'link.md'));
    const out = path.join(home, 'backup-with-link');
    const b = await cli(['backup', '--data-dir', dataDir, '--out', out]);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('skipped groups/assistant/link.md: a symlink (not followed)');
    expect(fs.existsSync(path.join(out, 'groups', 'assistant', 'link.md'))).toBe(false);
    expect(fs.existsSync(path.join(out, 'groups', 'assistant', 'notes', 'todo.md'))).toBe(true);
  });

  it('schedules well: --into names each backup by time and --keep removes all but the newest', async () => {
    const dataDir = path.join(home, 'restored');
    fs.rmSync(path.join(dataDir, 'groups', 'assistant', 'link.md'), { force: true });
    const into = path.join(home, 'scheduled');
    for (let i = 0; i < 3; i++) {
      const b = await cli(['backup', '--data-dir', dataDir, '--into', into, '--keep', '2']);
      expect(b.stderr).toBe('');
      expect(b.code).toBe(0);
    }
    const kept = fs.readdirSync(into);
    expect(kept).toHaveLength(2);
    for (const name of kept) {
      expect(name).toMatch(/^nanoclaw-backup-\d{8}T\d{9}Z$/);
      expect(fs.existsSync(path.join(into, name, 'manifest.json'))).toBe(true);
    }
    const bad = await cli(['backup', '--data-dir', dataDir, '--keep', '2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--keep: only with --into');
  });
});
