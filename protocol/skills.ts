/**
 * The host ⇄ runner contract for an agent group's skills (AgentGroup `spec.skills`): Claude Agent SDK skills,
 * folders with a SKILL.md whose YAML front matter names and describes the skill.
 *
 * Invariants:
 * - The host writes each declared skill to `<agent folder>/.claude/skills/<name>/` (SKILLS_DIR), with a marker file
 *   (SKILL_MARKER) saying the host wrote it; only marked folders are ever replaced or removed by the host. The
 *   agent folder is read-only for runners, so what a runner finds there is what the host (or the admin) put there.
 * - A skill's name is a DNS label; its SKILL.md front matter must carry the same `name` and a `description`
 *   (the SDK lists skills by both). parseSkillMd is the one check: the operator, the host and the runner use it.
 * - Sizes are bounded here (files, bytes, front matter), so a skill never costs more than SKILL_MAX_BYTES to copy
 *   or to read, and a front matter is never large enough for YAML parsing to stall a process.
 */
import { parse as parseYaml } from 'yaml';

export const SKILL_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const SKILL_NAME_MAX = 63;
export const MAX_SKILLS = 32;
/** Files of one skill (a ConfigMap's keys, or the files of a `path` folder). */
export const MAX_SKILL_FILES = 64;
/** Bytes of one skill, all its files together. */
export const SKILL_MAX_BYTES = 256 * 1024;
/** Bytes of all of an agent group's skills together (they are kept in its central DB row). */
export const SKILLS_MAX_BYTES = 1024 * 1024;
/** Folders a `path` skill may nest below its own folder. */
export const SKILL_MAX_DEPTH = 4;
/** A folder relative to the agent folder: segments of `[A-Za-z0-9._-]` that do not start with a dot. */
export const SKILL_PATH_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;
export const SKILL_PATH_MAX = 256;

/** Where skills live inside the agent folder (the SDK's project skills, cwd = the agent folder). */
export const SKILLS_DIR = '.claude/skills';
export const SKILL_FILE = 'SKILL.md';
/** In every skill folder the host wrote; holds the digest of what it wrote. */
export const SKILL_MARKER = '.nanoclaw-skill';

const FRONT_MATTER_MAX = 4096;
const DESCRIPTION_MAX = 1024;
/** The end of a reason text a runner or the host logs, so one bad file cannot flood a log line. */
const REASON_MAX = 300;

export type SkillCheck = { ok: true; name: string; description: string } | { ok: false; reason: string };

const fail = (reason: string): SkillCheck => ({ ok: false, reason: reason.slice(0, REASON_MAX) });

/**
 * Checks a SKILL.md: it starts with a `---` front matter block (at most 4 KiB) that is a YAML map with `name` (equal
 * to the skill's folder name) and a non-empty `description` (at most 1024 characters).
 */
export function parseSkillMd(text: string, expectedName: string): SkillCheck {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const open = /^---[ \t]*\r?\n/.exec(body);
  if (!open) return fail('SKILL.md does not start with a front matter block (a line "---")');
  const rest = body.slice(open[0].length);
  const close = /^---[ \t]*$/m.exec(rest);
  if (!close) return fail('SKILL.md front matter is not closed by a line "---"');
  if (close.index > FRONT_MATTER_MAX)
    return fail(`SKILL.md front matter is larger than ${FRONT_MATTER_MAX} bytes`);
  let meta: unknown;
  try {
    meta = parseYaml(rest.slice(0, close.index), { maxAliasCount: 10 });
  } catch (err) {
    return fail(`SKILL.md front matter is not YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta))
    return fail('SKILL.md front matter is not a YAML map with name and description');
  const { name, description } = meta as Record<string, unknown>;
  if (typeof name !== 'string' || name === '') return fail('SKILL.md front matter has no name');
  if (name !== expectedName)
    return fail(
      `SKILL.md front matter names "${name}", but the skill is "${expectedName}": they must be equal`,
    );
  if (typeof description !== 'string' || description.trim() === '')
    return fail('SKILL.md front matter has no description');
  if (description.length > DESCRIPTION_MAX)
    return fail(`SKILL.md description is longer than ${DESCRIPTION_MAX} characters`);
  return { ok: true, name, description: description.trim() };
}
