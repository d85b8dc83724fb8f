/**
 * Pure: AgentGroup spec.skills → the skills the host is to write, plus a problem for each one left out.
 *
 * Invariants:
 * - A ConfigMap skill is resolved here, through the lookup (no I/O): with `key` that key's value is SKILL.md,
 *   without it every key is one file. Its SKILL.md is checked with protocol/skills.ts; file names starting with a dot
 *   are refused (the host's marker lives there), and so are keys the API server would refuse (a manifest folder's
 *   ConfigMap is not checked by one: `a/../x` never reaches the host), more files or bytes than the limits allow.
 * - A `path` skill is passed on as declared (and listed in `paths`): its files live in the agent folder, not in the
 *   cluster, so the apply step looks at them (path-skills.ts) and the host copies them when it wakes a runner.
 * - A skill with a problem is left out and the others still apply: the problem makes Ready=False with its reason
 *   (`SkillNotFound`, `InvalidSkill`) and the field `spec.skills[i]…`.
 */
import type { RunnerConfig } from '../../host/db/runner-config.js';
import {
  MAX_SKILL_FILES,
  SKILL_FILE,
  SKILL_MAX_BYTES,
  SKILLS_MAX_BYTES,
  parseSkillMd,
} from '../../protocol/skills.js';
import { CONFIG_MAP_KEY_PATTERN } from '../api/v1alpha1/common.js';
import type { Skills } from '../api/v1alpha1/skills.js';
import type { ConfigMapLookup, Problem } from './types.js';

type SkillConfig = NonNullable<RunnerConfig['skills']>[number];

/** A `path` skill with its index in spec.skills, for the check against the agent folder (path-skills.ts). */
export interface PathSkill {
  index: number;
  name: string;
  path: string;
}

const bytesOf = (files: Record<string, string>) =>
  Object.entries(files).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);

type Resolved = { files: Record<string, string> } | { problem: Omit<Problem, 'field'> & { field: string } };

function fromConfigMap(
  skill: Skills[number],
  ref: NonNullable<Skills[number]['configMapRef']>,
  namespace: string,
  configMaps: ConfigMapLookup,
): Resolved {
  const field = 'configMapRef';
  const data = configMaps(namespace, ref.name);
  const said = (reason: string, message: string, at = field) => ({
    problem: { reason, field: at, message: `skill "${skill.name}": ${message}` },
  });
  if (!data) return said('SkillNotFound', `ConfigMap "${ref.name}" not found in namespace "${namespace}"`);
  let files: Record<string, string>;
  if (ref.key !== undefined) {
    const value = data[ref.key];
    if (value === undefined)
      return said('SkillNotFound', `ConfigMap "${ref.name}" has no key "${ref.key}"`, `${field}.key`);
    files = { [SKILL_FILE]: value };
  } else {
    if (data[SKILL_FILE] === undefined)
      return said(
        'SkillNotFound',
        `ConfigMap "${ref.name}" has no key "${SKILL_FILE}" (without configMapRef.key every key is a file of the skill, SKILL.md among them)`,
      );
    const bad = Object.keys(data).find((k) => k.startsWith('.') || !CONFIG_MAP_KEY_PATTERN.test(k));
    if (bad !== undefined)
      return said(
        'InvalidSkill',
        `ConfigMap "${ref.name}" key "${bad}": a skill file name is a ConfigMap key (letters, digits, "-", "_", ".") that does not start with "."`,
      );
    if (Object.keys(data).length > MAX_SKILL_FILES)
      return said('InvalidSkill', `ConfigMap "${ref.name}" has more than ${MAX_SKILL_FILES} keys`);
    files = Object.fromEntries(
      Object.keys(data)
        .sort()
        .map((k) => [k, data[k]!]),
    );
  }
  if (bytesOf(files) > SKILL_MAX_BYTES)
    return said('InvalidSkill', `ConfigMap "${ref.name}" holds more than ${SKILL_MAX_BYTES} bytes for it`);
  const check = parseSkillMd(files[SKILL_FILE]!, skill.name);
  if (!check.ok) return said('InvalidSkill', `ConfigMap "${ref.name}": ${check.reason}`);
  return { files };
}

export function desiredSkills(
  skills: Skills | undefined,
  namespace: string,
  configMaps: ConfigMapLookup,
): { skills: SkillConfig[]; problems: Problem[]; paths: PathSkill[] } {
  const out: SkillConfig[] = [];
  const paths: PathSkill[] = [];
  const problems: Problem[] = [];
  let total = 0;
  (skills ?? []).forEach((skill, i) => {
    if (skill.path !== undefined) {
      out.push({ name: skill.name, path: skill.path });
      paths.push({ index: i, name: skill.name, path: skill.path });
      return;
    }
    const resolved = fromConfigMap(skill, skill.configMapRef!, namespace, configMaps);
    if ('problem' in resolved) {
      problems.push({ ...resolved.problem, field: `spec.skills[${i}].${resolved.problem.field}` });
      return;
    }
    total += bytesOf(resolved.files);
    if (total > SKILLS_MAX_BYTES) {
      problems.push({
        reason: 'InvalidSkill',
        field: `spec.skills[${i}]`,
        message: `skill "${skill.name}": the agent group's skills from ConfigMaps hold more than ${SKILLS_MAX_BYTES} bytes together`,
      });
      return;
    }
    out.push({ name: skill.name, files: resolved.files });
  });
  return { skills: out, problems, paths };
}

/** Names of the ConfigMaps a spec reads (instructionsFrom and skills): a change to one re-projects the object. */
export function configMapsReadBy(spec: {
  instructionsFrom?: { configMapKeyRef: { name: string } } | undefined;
  skills?: Skills | undefined;
}): string[] {
  const names = new Set<string>();
  if (spec.instructionsFrom) names.add(spec.instructionsFrom.configMapKeyRef.name);
  for (const s of spec.skills ?? []) if (s.configMapRef) names.add(s.configMapRef.name);
  return [...names];
}
