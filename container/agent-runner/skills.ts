/**
 * The skills a runner finds in its agent folder (`/workspace/agent/.claude/skills/<name>/SKILL.md`, written there
 * by the host from AgentGroup spec.skills), read afresh for every turn so a changed list applies to the next turn.
 *
 * Invariants:
 * - A skill is usable when its folder is a real folder (not a symlink) whose SKILL.md is a regular file of at most
 *   SKILL_MAX_BYTES that passes protocol/skills.ts (front matter with the folder's name and a description). The
 *   claude provider enables exactly the usable ones (the SDK's `skills` option) whenever the agent folder has skills,
 *   so nothing else in reach of the SDK — a skill a session wrote under its own `.claude/` — is loaded with them.
 * - Every other folder is reported, never silently missing: the host's reason from the marker (a `path` skill it
 *   could not copy) or what is wrong with the SKILL.md. The agent is told (skillsNote), the runner logs it once.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from './logger.js';
import {
  SKILL_FILE,
  SKILL_MARKER,
  SKILL_MAX_BYTES,
  SKILLS_DIR,
  parseSkillMd,
} from '../../protocol/skills.js';

export interface SkillScan {
  ready: { name: string; description: string }[];
  failed: { name: string; reason: string }[];
}

function readSmall(file: string, max: number): string | null {
  try {
    const st = fs.lstatSync(file);
    if (!st.isFile() || st.size > max) return null;
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function markerError(dir: string): string | null {
  const text = readSmall(path.join(dir, SKILL_MARKER), 4096);
  if (text === null) return null;
  try {
    const m = JSON.parse(text) as { error?: unknown };
    return typeof m.error === 'string' ? m.error : null;
  } catch {
    return null;
  }
}

export function scanSkills(agentDir: string): SkillScan {
  const out: SkillScan = { ready: [], failed: [] };
  const root = path.join(agentDir, SKILLS_DIR);
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.name.startsWith('.')) continue;
    if (!e.isDirectory()) {
      out.failed.push({ name: e.name, reason: 'not a folder (a skill is a folder with a SKILL.md)' });
      continue;
    }
    const dir = path.join(root, e.name);
    const hostError = markerError(dir);
    if (hostError !== null) {
      out.failed.push({ name: e.name, reason: hostError });
      continue;
    }
    const text = readSmall(path.join(dir, SKILL_FILE), SKILL_MAX_BYTES);
    if (text === null) {
      out.failed.push({ name: e.name, reason: `no ${SKILL_FILE} (or not a regular file, or too large)` });
      continue;
    }
    const check = parseSkillMd(text, e.name);
    if (check.ok) out.ready.push({ name: check.name, description: check.description });
    else out.failed.push({ name: e.name, reason: check.reason });
  }
  return out;
}

/** The system prompt's line about skills that could not be loaded; null when none failed. */
export function skillsNote(scan: SkillScan): string | null {
  if (scan.failed.length === 0) return null;
  return [
    'These skills of your agent group could not be loaded (tell the person if they ask for one):',
    ...scan.failed.map((f) => `- ${f.name}: ${f.reason}`),
  ].join('\n');
}

/** Logs each failed skill once per reason (the scan runs every turn). */
export class SkillReporter {
  private readonly seen = new Set<string>();

  report(scan: SkillScan, log: Logger): void {
    for (const f of scan.failed) {
      const key = `${f.name}\0${f.reason}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      log.warn({ skill: f.name, reason: f.reason }, 'skill could not be loaded');
    }
  }
}
