/**
 * The one printer of the admin verbs: a view (columns + rows, or titled sections of them) rendered as an aligned
 * table (default), JSON or YAML. Pure: `render` returns the text; callers write it.
 *
 * Invariants: JSON and YAML carry the rows as they are (keys = column keys, values unformatted); the table shows
 * every column in order, null/undefined as "-", and "(none)" for an empty list, so a script never parses tables.
 */
import { stringify } from 'yaml';
import { UsageError } from './args.js';

const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export type Row = Record<string, unknown>;

export interface Column {
  key: string;
  header: string;
}

export interface View {
  columns: Column[];
  rows: Row[];
}

export interface Section {
  /** Key in JSON/YAML; heading in the table. */
  key: string;
  title: string;
  view: View;
  /** A line under the section's table (e.g. "showing 20 of 31"). Not part of JSON/YAML. */
  note?: string;
}

/** Columns from `[key, header]` pairs. */
export function columns(...pairs: [string, string][]): Column[] {
  return pairs.map(([key, header]) => ({ key, header }));
}

export function parseOutput(value: string | undefined, verb: string): OutputFormat {
  const format = value ?? 'table';
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format))
    throw new UsageError(`${verb}: -o must be one of ${OUTPUT_FORMATS.join(', ')}, not "${format}"`);
  return format as OutputFormat;
}

function cell(v: unknown): string {
  if (v === null || v === undefined || v === '') return '-';
  if (typeof v === 'string') return v.replace(/\s+/g, ' ');
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export function renderTable(view: View): string {
  if (view.rows.length === 0) return '(none)\n';
  const cells = view.rows.map((r) => view.columns.map((c) => cell(r[c.key])));
  const widths = view.columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(view.columns.map((c) => c.header)), ...cells.map(line)].join('\n') + '\n';
}

function data(view: View): Row[] {
  return view.rows.map((r) => Object.fromEntries(view.columns.map((c) => [c.key, r[c.key] ?? null])));
}

export function render(format: OutputFormat, view: View): string {
  if (format === 'json') return `${JSON.stringify(data(view), null, 2)}\n`;
  if (format === 'yaml') return stringify(data(view));
  return renderTable(view);
}

export function renderSections(format: OutputFormat, sections: Section[]): string {
  if (format !== 'table') {
    const obj = Object.fromEntries(sections.map((s) => [s.key, data(s.view)]));
    return format === 'json' ? `${JSON.stringify(obj, null, 2)}\n` : stringify(obj);
  }
  return sections.map((s) => `${s.title}\n${renderTable(s.view)}${s.note ? `${s.note}\n` : ''}`).join('\n');
}

/** Kubernetes objects: YAML documents separated by `---` (the default), or JSON (one object, or a v1 List). */
export function renderObjects(format: OutputFormat, objects: object[]): string {
  if (format === 'json')
    return `${JSON.stringify(objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`;
  return objects.map((o) => stringify(o)).join('---\n');
}

/** The outcome of a change: a sentence for people (table), the object for scripts (JSON/YAML). */
export function renderResult(format: OutputFormat, sentence: string, result: Row): string {
  if (format === 'json') return `${JSON.stringify(result, null, 2)}\n`;
  if (format === 'yaml') return stringify(result);
  return `${sentence}\n`;
}
