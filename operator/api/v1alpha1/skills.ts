/**
 * AgentGroup `spec.skills[]`: Claude Agent SDK skills the agent may use, each from a ConfigMap or from a folder
 * inside the agent folder.
 *
 * Rules kept here (CEL for the API server, the same rule in TypeScript for the embedded loader):
 * - names are unique (list-map keyed by name) DNS labels;
 * - exactly one source: `configMapRef` (a ConfigMap in the same namespace; with `key` that key is SKILL.md, without
 *   it every key is one file of the skill folder) or `path` (a folder relative to the agent folder, holding
 *   SKILL.md; no absolute path, no `..`, no segment starting with a dot, so it stays inside the agent folder and
 *   never points at the host's own `.claude/`).
 * What the SKILL.md says (front matter, sizes) is checked when the skill is projected (ConfigMap) or copied (path),
 * with protocol/skills.ts.
 */
import { z } from 'zod';
import {
  MAX_SKILLS,
  SKILL_NAME_MAX,
  SKILL_NAME_PATTERN,
  SKILL_PATH_MAX,
  SKILL_PATH_PATTERN,
} from '../../../protocol/skills.js';
import { CONFIG_MAP_KEY_PATTERN, objectName } from './common.js';
import { listMap, withRules } from './rules.js';

const ConfigMapRef = z
  .strictObject({
    name: objectName('Name of a ConfigMap in the same namespace.'),
    key: z
      .string()
      .min(1)
      .max(253)
      .regex(CONFIG_MAP_KEY_PATTERN)
      .optional()
      .describe(
        'The key whose value is the SKILL.md. Without it every key of the ConfigMap is one file of the skill folder (SKILL.md among them).',
      ),
  })
  .describe('A ConfigMap holding the skill.');

const Skill = withRules(
  z
    .strictObject({
      name: z
        .string()
        .min(1)
        .max(SKILL_NAME_MAX)
        .regex(SKILL_NAME_PATTERN)
        .describe(
          'Name of the skill (a DNS label): its folder under .claude/skills/ and the `name` its SKILL.md front matter must carry.',
        ),
      configMapRef: ConfigMapRef.optional(),
      path: z
        .string()
        .min(1)
        .max(SKILL_PATH_MAX)
        .regex(SKILL_PATH_PATTERN)
        .optional()
        .describe(
          'A folder relative to the agent folder that holds SKILL.md (and the files it uses), e.g. `skills/review`. No absolute path, `..` or segment starting with a dot.',
        ),
    })
    .describe('One skill. Exactly one source: `configMapRef` or `path`.'),
  [
    {
      cel: '[has(self.configMapRef), has(self.path)].filter(s, s).size() == 1',
      message: 'a skill needs exactly one source: configMapRef or path',
      field: 'configMapRef',
      reason: 'FieldValueRequired',
      holds: (s) => [s.configMapRef !== undefined, s.path !== undefined].filter(Boolean).length === 1,
    },
  ],
);

export const Skills = listMap(Skill, 'name', {
  maxItems: MAX_SKILLS,
  description:
    'Claude Agent SDK skills the agent may use (keyed by name), each a folder with a SKILL.md. The host writes them to .claude/skills/ in the agent folder; the runner enables exactly these.',
});
export type Skills = z.output<typeof Skills>;
