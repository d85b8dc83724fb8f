/**
 * How a batch is shown to a model: one <message> element per row, in seq order, with who sent it and when.
 * Accumulated context (trigger=0) is marked so the model knows it was not addressed to it. Files that came with
 * a message are listed as <file path="inbox/…"/> (relative to the working directory, the session workspace); an
 * edited message names the message it corrects (edit-of). A message from another agent is marked from-agent and
 * names that agent, never a person. A task whose pre-task script woke the agent carries the script's data as JSON
 * in a <script-data> element.
 */
import type { InboundMessage } from './inbound-message.js';
import { textOf } from './inbound-message.js';

function attr(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

function body(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function senderLabel(m: InboundMessage): string {
  if (m.kind === 'task') return 'scheduled task';
  const agent = m.chat.fromAgent;
  if (agent) return `agent ${agent.name} (${agent.agentGroupId})`;
  const name = m.chat.senderName ?? null;
  const id = m.chat.sender;
  if (name && id) return `${name} (${id})`;
  return name ?? id ?? 'unknown';
}

export function formatPrompt(messages: InboundMessage[]): string {
  const lines = messages.map((m) => {
    const attrs = [
      `id="${attr(m.row.id)}"`,
      `kind="${m.kind}"`,
      `from="${attr(senderLabel(m))}"`,
      `time="${attr(m.row.timestamp)}"`,
    ];
    if (m.row.trigger === 0) attrs.push('context="true"');
    if (m.kind === 'chat' && m.chat.fromAgent) attrs.push('from-agent="true"');
    if (m.kind === 'chat' && m.chat.isMention) attrs.push('mention="true"');
    if (m.kind === 'chat' && m.chat.editOf) attrs.push(`edit-of="${attr(m.chat.editOf)}"`);
    const files = (m.kind === 'chat' ? (m.chat.attachments ?? []) : []).map(
      (f) =>
        `\n<file path="${attr(f.path)}" name="${attr(f.name)}" type="${attr(f.mimeType ?? 'unknown')}" bytes="${f.size}"/>`,
    );
    const data =
      m.kind === 'task' && m.scriptData !== undefined
        ? `\n<script-data>${body(JSON.stringify(m.scriptData))}</script-data>`
        : '';
    return `<message ${attrs.join(' ')}>${body(textOf(m))}${files.join('')}${data}</message>`;
  });
  return `<messages>\n${lines.join('\n')}\n</messages>`;
}
