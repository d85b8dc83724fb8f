/**
 * Embedded mode: a registered chat becomes a manifest file in the config folder (`<name>.yaml`), which the
 * folder's loader applies like any file the user wrote — so the chat is then edited, and removed, there.
 *
 * Invariants: the file is written whole or not at all (a temporary file renamed over it), never over a file the
 * user wrote under that name (an existing file not written by registration is an error), and the loader is asked
 * to apply it right away.
 */
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { ChatConfigWriter } from '../../host/approvals/channel-registrations.js';
import { registrationObjects } from './manifests.js';

const HEADER =
  '# Written by NanoClaw when an owner registered this chat. Edit or delete it like any manifest.\n';
/** The embedded folder is one namespace; its objects' namespace field is ignored. */
const NAMESPACE = 'default';

export function manifestFileWriter(configDir: string, applyNow: () => void): ChatConfigWriter {
  return {
    write: (req) => {
      const file = path.join(configDir, `${req.name}.yaml`);
      if (fs.existsSync(file) && !fs.readFileSync(file, 'utf8').startsWith(HEADER))
        return Promise.reject(
          new Error(`${file} exists and was not written by a registration; not replacing it`),
        );
      const existing = 'existing' in req.agentGroup ? req.agentGroup.existing.id : '';
      const docs = registrationObjects(req, NAMESPACE, existing).map((o) =>
        stringify({ ...o, metadata: { name: o.metadata.name, labels: o.metadata.labels } }),
      );
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, HEADER + docs.join('---\n'), { mode: 0o644 });
      fs.renameSync(tmp, file);
      applyNow();
      return Promise.resolve(file);
    },
  };
}
