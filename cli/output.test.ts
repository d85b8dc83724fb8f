import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { columns, parseOutput, render, renderObjects, renderSections, renderTable } from './output.js';

const view = {
  columns: columns(['id', 'ID'], ['name', 'NAME'], ['n', 'COUNT']),
  rows: [
    { id: 'a', name: 'Alpha\nline', n: 3, extra: 'hidden' },
    { id: 'long-id', name: null, n: 0 },
  ],
};

describe('the admin printer', () => {
  it('aligns a table, shows null as "-", folds whitespace and says (none) for no rows', () => {
    expect(renderTable(view)).toBe(
      'ID       NAME        COUNT\na        Alpha line  3\nlong-id  -           0\n',
    );
    expect(renderTable({ columns: view.columns, rows: [] })).toBe('(none)\n');
  });

  it('gives JSON and YAML the rows by column key, unformatted, without keys that are not columns', () => {
    const expected = [
      { id: 'a', name: 'Alpha\nline', n: 3 },
      { id: 'long-id', name: null, n: 0 },
    ];
    expect(JSON.parse(render('json', view))).toEqual(expected);
    expect(parseYaml(render('yaml', view))).toEqual(expected);
  });

  it('renders sections as headed tables or as one object keyed by section', () => {
    const sections = [
      { key: 'things', title: 'THINGS', view, note: '… and 2 more' },
      { key: 'empty', title: 'EMPTY', view: { columns: view.columns, rows: [] } },
    ];
    const table = renderSections('table', sections);
    expect(table).toMatch(/^THINGS\nID {7}NAME/);
    expect(table).toContain('… and 2 more\n\nEMPTY\n(none)\n');
    expect(Object.keys(JSON.parse(renderSections('json', sections)) as object)).toEqual(['things', 'empty']);
  });

  it('prints objects as multi-document YAML or a JSON List', () => {
    const docs = parseAllDocuments(renderObjects('yaml', [{ a: 1 }, { b: 2 }]));
    expect(docs.map((d) => d.toJSON() as unknown)).toEqual([{ a: 1 }, { b: 2 }]);
    expect(JSON.parse(renderObjects('json', [{ a: 1 }, { b: 2 }]))).toMatchObject({ kind: 'List' });
    expect(JSON.parse(renderObjects('json', [{ a: 1 }]))).toEqual({ a: 1 });
  });

  it('names -o when the format is unknown', () => {
    expect(() => parseOutput('xml', 'users')).toThrow(
      'users: -o must be one of table, json, yaml, not "xml"',
    );
    expect(parseOutput(undefined, 'users')).toBe('table');
  });
});
