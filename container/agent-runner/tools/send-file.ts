/**
 * send_file(path, to?, text?): sends a file from the session's outbox (/workspace/outbox) to the conversation or to a
 * named destination (destination.ts).
 *
 * Invariants: only a regular file inside the outbox is accepted — resolved with realpath, so `..` and symlinks
 * that lead out are refused, and a symlink itself is refused; the row names the file relative to the outbox.
 * The host checks the same again when it reads the file (the runner is not trusted).
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { resolveDestination } from './destination.js';
import { defineTool, ToolError } from './tool.js';

function outboxRelative(outbox: string, requested: string): string {
  const abs = path.resolve(outbox, requested);
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(abs);
  } catch {
    throw new ToolError(`No file ${requested} in ${outbox}. Write the file there first.`);
  }
  if (stat.isSymbolicLink()) throw new ToolError(`${requested} is a symbolic link; send the file itself.`);
  if (!stat.isFile()) throw new ToolError(`${requested} is not a regular file.`);
  const root = fs.realpathSync(outbox);
  const real = fs.realpathSync(abs);
  const rel = path.relative(root, real);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel))
    throw new ToolError(`${requested} is outside ${outbox}; only files in the outbox can be sent.`);
  return rel.split(path.sep).join('/');
}

export const sendFile = defineTool({
  name: 'send_file',
  description:
    'Send a file to the conversation, or with "to" to one of your named destinations (another agent gets it in ' +
    'its inbox). Write it under /workspace/outbox first, then pass its path (absolute or relative to the outbox) ' +
    'and optionally a message to go with it.',
  shape: {
    path: z.string().min(1).max(1024).describe('Path of a file under /workspace/outbox'),
    to: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Destination name (a chat or another agent); omit for the current conversation'),
    text: z.string().max(32_000).optional().describe('Message text to send with the file'),
  },
  handler: ({ path: requested, to, text }, ctx) => {
    fs.mkdirSync(ctx.outboxDir, { recursive: true });
    const rel = outboxRelative(ctx.outboxDir, requested);
    const { address, inReplyTo } = resolveDestination(ctx, 'send_file', to);
    const [w] = ctx.outbound.commit({
      messages: [
        {
          kind: 'chat',
          address,
          inReplyTo,
          content: { text: text ?? '', files: [rel] },
        },
      ],
    });
    ctx.log.info({ tool: 'send_file', file: rel, to: to ?? '(reply)', outId: w?.id }, 'file queued');
    return Promise.resolve(`File ${rel} sent to ${to ?? 'the current conversation'} (id ${w?.id}).`);
  },
});
