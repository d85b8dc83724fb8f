/**
 * Writes an agent group's skills (its runner config's `skills`, from AgentGroup spec.skills) into its folder, at
 * `<agent folder>/.claude/skills/<name>/`, where the runner's Claude Agent SDK finds them as project skills (the
 * runner's cwd is the agent folder). Called before every runner wake, like CLAUDE.md.
 *
 * Invariants:
 * - Every read and write goes through session/safe-fs.ts: no symlink in the agent folder is ever followed, and
 *   nothing is written outside `.claude/skills/`.
 * - Each skill folder the host writes carries SKILL_MARKER: the digest of its files, or for a skill that could not
 *   be read the reason (the runner reports it to the agent). The same marker means nothing to write. A new version
 *   is built in a temporary folder beside it and renamed into place, so a runner sees a whole version
 *   (or, for the instant between removing the old folder and renaming the new one, none).
 * - Marked folders that are no longer declared are removed. A folder without a marker (an admin put it there) is
 *   left alone, unless a declared skill has its name: the declaration wins.
 * - A `path` skill is copied from the agent folder: regular files only (symlinks and other entries are skipped,
 *   never followed), no names starting with a dot, at most SKILL_MAX_DEPTH folders deep, MAX_SKILL_FILES files and
 *   SKILL_MAX_BYTES bytes. Over a limit, or without SKILL.md, only the marker with the reason is written.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { RunnerConfig } from '../db/runner-config.js';
import {
  MAX_SKILL_FILES,
  SKILL_FILE,
  SKILL_MARKER,
  SKILL_MAX_BYTES,
  SKILL_MAX_DEPTH,
  SKILLS_DIR,
  parseSkillMd,
} from '../../protocol/skills.js';
import { groupSubPath } from '../session/layout.js';
import {
  UnsafePathError,
  ensureDirInside,
  listDirInside,
  readBytesInside,
  readFileInside,
  writeFileInside,
} from '../session/safe-fs.js';

type SkillConfig = NonNullable<RunnerConfig['skills']>[number];
type Files = Map<string, Buffer>;

const TEMP_PREFIX = '.tmp-';
const OLD_PREFIX = '.old-';

export interface SkillsWritten {
  /** Skills written this time, each with what is wrong with it (null: a valid SKILL.md). */
  written: { name: string; problem: string | null }[];
  /** Marked skill folders removed because the skill is no longer declared. */
  removed: string[];
}

/** Why a skill's files could not be read. */
interface Unreadable {
  reason: string;
}

/** The files of a `path` skill, or why it cannot be copied. */
function readPathSkill(dataDir: string, groupRel: string, skillPath: string): Files | Unreadable {
  const files: Files = new Map();
  let bytes = 0;
  const over = (reason: string): Unreadable => ({ reason: `folder "${skillPath}" ${reason}` });
  const visit = (rel: string, depth: number): Unreadable | null => {
    const entries = listDirInside(dataDir, path.posix.join(groupRel, skillPath, rel));
    if (entries === null) return over('not found in the agent folder');
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (depth >= SKILL_MAX_DEPTH) return over(`nests deeper than ${SKILL_MAX_DEPTH} folders`);
        const bad = visit(child, depth + 1);
        if (bad) return bad;
      } else if (e.isFile()) {
        if (files.size >= MAX_SKILL_FILES) return over(`holds more than ${MAX_SKILL_FILES} files`);
        const rest = SKILL_MAX_BYTES - bytes;
        const data = readBytesInside(dataDir, path.posix.join(groupRel, skillPath, child), rest);
        if (data === null) return over(`holds more than ${SKILL_MAX_BYTES} bytes`);
        bytes += data.length;
        files.set(child, data);
      }
    }
    return null;
  };
  try {
    const bad = visit('', 0);
    if (bad) return bad;
  } catch (err) {
    if (err instanceof UnsafePathError) return over('is not a real folder (a symlink or a file on the way)');
    throw err;
  }
  if (!files.has(SKILL_FILE)) return over(`has no ${SKILL_FILE}`);
  return files;
}

/** What is wrong with a skill's files: why they could not be read, or what the SKILL.md check says; null if usable. */
function problemOf(files: Files | Unreadable, name: string): string | null {
  if (!(files instanceof Map)) return files.reason;
  const check = parseSkillMd(files.get(SKILL_FILE)!.toString('utf8'), name);
  return check.ok ? null : check.reason;
}

function markerOf(files: Files | Unreadable): string {
  if (!(files instanceof Map)) return JSON.stringify({ error: files.reason });
  const hash = createHash('sha256');
  for (const [name, data] of [...files].sort(([a], [b]) => (a < b ? -1 : 1)))
    hash.update(`${name}\0${data.length}\0`).update(data);
  return JSON.stringify({ digest: hash.digest('hex') });
}

/** Removes `abs` without following it: a folder is renamed aside, then deleted; anything else is unlinked. */
function removeEntry(abs: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!st.isDirectory()) return fs.unlinkSync(abs);
  const aside = path.join(
    path.dirname(abs),
    `${OLD_PREFIX}${path.basename(abs)}-${randomBytes(4).toString('hex')}`,
  );
  fs.renameSync(abs, aside);
  fs.rmSync(aside, { recursive: true, force: true });
}

function currentMarker(dataDir: string, skillsRel: string, name: string): string | null {
  try {
    return readFileInside(dataDir, path.posix.join(skillsRel, name, SKILL_MARKER), 4096);
  } catch (err) {
    if (err instanceof UnsafePathError) return null; // a symlink or a file where the folder goes: replaced
    throw err;
  }
}

function install(
  dataDir: string,
  skillsRel: string,
  name: string,
  files: Files | Unreadable,
  marker: string,
): void {
  const tempRel = path.posix.join(skillsRel, `${TEMP_PREFIX}${name}-${randomBytes(4).toString('hex')}`);
  try {
    ensureDirInside(dataDir, tempRel);
    if (files instanceof Map)
      for (const [rel, data] of files) writeFileInside(dataDir, path.posix.join(tempRel, rel), data);
    writeFileInside(dataDir, path.posix.join(tempRel, SKILL_MARKER), marker);
    const target = path.join(dataDir, skillsRel, name);
    removeEntry(target);
    fs.renameSync(path.join(dataDir, tempRel), target);
  } finally {
    fs.rmSync(path.join(dataDir, tempRel), { recursive: true, force: true });
  }
}

/** Brings `<agent folder>/.claude/skills/` in line with `skills`. Throws UnsafePathError when `.claude` is unsafe. */
export function writeSkills(dataDir: string, folder: string, skills: SkillConfig[]): SkillsWritten {
  const groupRel = groupSubPath(folder);
  const skillsRel = path.posix.join(groupRel, SKILLS_DIR);
  const out: SkillsWritten = { written: [], removed: [] };
  if (skills.length === 0 && listDirInside(dataDir, groupRel)?.some((e) => e.name === '.claude') !== true)
    return out;
  if (skills.length) ensureDirInside(dataDir, skillsRel);
  for (const skill of skills) {
    const files: Files | Unreadable = skill.files
      ? new Map(Object.entries(skill.files).map(([k, v]) => [k, Buffer.from(v, 'utf8')]))
      : readPathSkill(dataDir, groupRel, skill.path ?? '');
    const marker = markerOf(files);
    if (currentMarker(dataDir, skillsRel, skill.name) === marker) continue;
    install(dataDir, skillsRel, skill.name, files, marker);
    out.written.push({ name: skill.name, problem: problemOf(files, skill.name) });
  }
  const declared = new Set(skills.map((s) => s.name));
  for (const e of listDirInside(dataDir, skillsRel) ?? []) {
    const abs = path.join(dataDir, skillsRel, e.name);
    if (e.name.startsWith(TEMP_PREFIX) || e.name.startsWith(OLD_PREFIX)) {
      removeEntry(abs); // left by a host that stopped half-way
    } else if (
      e.isDirectory() &&
      !declared.has(e.name) &&
      currentMarker(dataDir, skillsRel, e.name) !== null
    ) {
      removeEntry(abs);
      out.removed.push(e.name);
    }
  }
  return out;
}
