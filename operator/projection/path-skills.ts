/**
 * The `path` skills of an agent group checked against its folder as it is when projected, so the AgentGroup's
 * status says what the host will find when it copies them (host/runner/skill-files.ts copies; this only looks).
 *
 * Invariants:
 * - Read only: nothing is written, and nothing is followed — every folder from the agent folder down to the skill's
 *   is checked with lstat, and SKILL.md must be a regular file of at most SKILL_MAX_BYTES. The host's copy makes the
 *   same checks (and the file and size limits) with session/safe-fs.ts.
 * - A problem never leaves the skill out: its folder may be filled after the AgentGroup is applied, and the host
 *   copies whatever is there at the next wake. The check runs at every projection, resyncs included, so the status
 *   catches up with the folder within a resync period.
 * - Reasons: `SkillNotFound` (no folder, no SKILL.md) and `InvalidSkill` (a symlink on the way, SKILL.md too large
 *   or malformed), on the field `spec.skills[i].path`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SKILL_FILE, SKILL_MAX_BYTES, parseSkillMd } from '../../protocol/skills.js';
import type { PathSkill } from './desired-skills.js';
import type { Problem } from './types.js';

type Found = { reason: 'SkillNotFound' | 'InvalidSkill'; message: string } | null;

function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function check(agentDir: string, skill: PathSkill): Found {
  let dir = agentDir;
  for (const part of skill.path.split('/')) {
    dir = path.join(dir, part);
    const st = lstatOrNull(dir);
    if (st === null)
      return { reason: 'SkillNotFound', message: `folder "${skill.path}" not found in the agent folder` };
    if (!st.isDirectory())
      return {
        reason: 'InvalidSkill',
        message: `folder "${skill.path}" is not a real folder (a symlink or a file on the way)`,
      };
  }
  const file = path.join(dir, SKILL_FILE);
  const st = lstatOrNull(file);
  if (st === null) return { reason: 'SkillNotFound', message: `folder "${skill.path}" has no ${SKILL_FILE}` };
  if (!st.isFile()) return { reason: 'InvalidSkill', message: `${SKILL_FILE} is not a regular file` };
  if (st.size > SKILL_MAX_BYTES)
    return { reason: 'InvalidSkill', message: `${SKILL_FILE} is larger than ${SKILL_MAX_BYTES} bytes` };
  const parsed = parseSkillMd(fs.readFileSync(file, 'utf8'), skill.name);
  return parsed.ok ? null : { reason: 'InvalidSkill', message: parsed.reason };
}

/** One problem per `path` skill that is not usable in `<dataDir>/groups/<folder>/` right now. */
export function pathSkillProblems(dataDir: string, folder: string, skills: PathSkill[]): Problem[] {
  const agentDir = path.join(dataDir, 'groups', folder);
  const problems: Problem[] = [];
  for (const skill of skills) {
    let found: Found;
    try {
      found = check(agentDir, skill);
    } catch (err) {
      found = {
        reason: 'InvalidSkill',
        message: `folder "${skill.path}" cannot be read: ${(err as Error).message}`,
      };
    }
    if (found)
      problems.push({
        reason: found.reason,
        field: `spec.skills[${skill.index}].path`,
        message: `skill "${skill.name}": ${found.message}`,
      });
  }
  return problems;
}
