/**
 * Adds one entry to a list field of one object in a manifest file's text — what an approved configuration request
 * changes in the embedded config folder — keeping everything else of the file as the person wrote it: other
 * documents, comments, key order, quoting.
 *
 * Invariants: pure (text in, text out); an entry whose key is already in the list changes nothing (writing the
 * same change twice is a no-op); a file that is not valid YAML, or that does not declare the object, is an error
 * naming the file.
 */
import { isMap, isSeq, parseAllDocuments, type Document } from 'yaml';

export interface ListEdit {
  kind: string;
  name: string;
  /** The list field, e.g. ['spec', 'peers']. */
  path: string[];
  /** The list-map key of its entries (`agentGroup`, `name`). */
  key: string;
  entry: Record<string, unknown>;
}

export type EditResult = { changed: boolean; text: string };

function declares(doc: Document, kind: string, name: string): boolean {
  return doc.get('kind') === kind && doc.getIn(['metadata', 'name']) === name;
}

/** Whether `text` declares the object (so this file is the one to edit). */
export function declaresObject(text: string, kind: string, name: string): boolean {
  const docs = parseAllDocuments(text);
  return Array.isArray(docs) && docs.some((d) => d.errors.length === 0 && declares(d, kind, name));
}

export function addListEntry(file: string, text: string, edit: ListEdit): EditResult {
  const parsed = parseAllDocuments(text);
  if (!Array.isArray(parsed)) throw new Error(`${file} holds no YAML documents`);
  for (const doc of parsed)
    if (doc.errors.length > 0) throw new Error(`${file} is not valid YAML: ${doc.errors[0]!.message}`);
  const doc = parsed.find((d) => declares(d, edit.kind, edit.name));
  if (!doc) throw new Error(`${file} does not declare ${edit.kind} ${edit.name}`);
  const list = doc.getIn(edit.path, true);
  const value = edit.entry[edit.key];
  if (list === undefined || list === null) {
    doc.setIn(edit.path, doc.createNode([edit.entry]));
  } else if (isSeq(list)) {
    const present = list.items.some((item) => isMap(item) && item.get(edit.key) === value);
    if (present) return { changed: false, text };
    list.add(doc.createNode(edit.entry));
  } else throw new Error(`${file}: ${edit.path.join('.')} of ${edit.kind} ${edit.name} is not a list`);
  return { changed: true, text: parsed.map((d) => d.toString()).join('') };
}
