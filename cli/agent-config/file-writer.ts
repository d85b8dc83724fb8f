/**
 * Embedded mode: an approved configuration request becomes manifest files in the config folder, which its loader
 * applies like any file the person wrote — so the change is then edited, kept or removed there (and in Git, when
 * the folder is a repository).
 *
 * Invariants:
 * - A new agent group is a new file `<name>.yaml` marked as written by NanoClaw; an existing file of that name not
 *   written so is never replaced. The parent's new peer or MCP server is added to the file that declares the
 *   parent, as one list entry, keeping that file's other content and comments (manifest-edit.ts).
 * - Every file is written whole or not at all (a temporary file renamed over it, the old mode kept), and writing
 *   the same change again changes nothing. The loader is asked to apply the folder right away.
 */
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { addedEntry } from '../../host/approvals/agent-change-plan.js';
import type { AgentConfigWriter } from '../../host/approvals/agent-changes.js';
import { manifestFiles } from '../../operator/embedded/load.js';
import { checkChange, childObject } from './agent-objects.js';
import { addListEntry, declaresObject } from './manifest-edit.js';

const HEADER =
  "# Written by NanoClaw when an owner or admin approved an agent's create_agent request. Edit or delete it like any manifest.\n";
/** The embedded folder is one namespace; its objects' namespace field is ignored. */
const NAMESPACE = 'default';

function writeAtomically(file: string, text: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode });
  fs.renameSync(tmp, file);
}

function fileDeclaring(configDir: string, name: string): string {
  const file = manifestFiles(configDir).find((f) =>
    declaresObject(fs.readFileSync(f, 'utf8'), 'AgentGroup', name),
  );
  if (!file) throw new Error(`no manifest file in ${configDir} declares AgentGroup ${name}`);
  return file;
}

export function agentManifestWriter(configDir: string, applyNow: () => void): AgentConfigWriter {
  return {
    check: checkChange,
    write: (change) =>
      Promise.resolve().then(() => {
        const written: string[] = [];
        if (change.action === 'create_agent') {
          const file = path.join(configDir, `${change.child.name}.yaml`);
          if (fs.existsSync(file) && !fs.readFileSync(file, 'utf8').startsWith(HEADER))
            throw new Error(`${file} exists and was not written by NanoClaw; not replacing it`);
          const { metadata, ...rest } = childObject(change, NAMESPACE);
          writeAtomically(
            file,
            HEADER + stringify({ ...rest, metadata: { name: metadata.name, labels: metadata.labels } }),
            0o644,
          );
          written.push(file);
        }
        const added = addedEntry(change);
        const file = fileDeclaring(configDir, added.owner.name);
        const edit = addListEntry(path.relative(configDir, file), fs.readFileSync(file, 'utf8'), {
          kind: 'AgentGroup',
          name: added.owner.name,
          path: ['spec', added.field],
          key: added.key,
          entry: added.entry,
        });
        if (edit.changed) writeAtomically(file, edit.text, fs.statSync(file).mode & 0o777);
        written.push(`${file} (spec.${added.field})`);
        applyNow();
        return written.join(' and ');
      }),
  };
}
