import { describe, expect, it } from 'vitest';
import { addListEntry, declaresObject } from './manifest-edit.js';

const FILE = `# The team's agents.
apiVersion: nanoclaw.dev/v1alpha1
kind: AgentGroup
metadata:
  name: assistant # the front desk
spec:
  provider: mock
  peers:
    - agentGroup: writer # keep this one
---
apiVersion: nanoclaw.dev/v1alpha1
kind: AgentGroup
metadata:
  name: other
spec: {}
`;

const peer = (agentGroup: string) => ({
  kind: 'AgentGroup',
  name: 'assistant',
  path: ['spec', 'peers'],
  key: 'agentGroup',
  entry: { agentGroup },
});

describe('adding a list entry to a manifest', () => {
  it('appends to the list of the named object, keeping comments and the other documents', () => {
    const { changed, text } = addListEntry('team.yaml', FILE, peer('research'));
    expect(changed).toBe(true);
    expect(text).toContain("# The team's agents.");
    expect(text).toContain('name: assistant # the front desk');
    expect(text).toContain('- agentGroup: writer # keep this one\n    - agentGroup: research\n');
    expect(text).toContain('name: other');
  });

  it('creates the list when the object has none', () => {
    const { text } = addListEntry('team.yaml', FILE, {
      kind: 'AgentGroup',
      name: 'assistant',
      path: ['spec', 'mcpServers'],
      key: 'name',
      entry: { name: 'files', stdio: { command: 'node', args: ['server.js'] } },
    });
    expect(text).toContain('  mcpServers:\n    - name: files\n      stdio:\n        command: node\n');
  });

  it('changes nothing when an entry with that key is already there', () => {
    expect(addListEntry('team.yaml', FILE, peer('writer'))).toEqual({ changed: false, text: FILE });
  });

  it('refuses a file that does not declare the object, or is not YAML, naming the file', () => {
    expect(() => addListEntry('team.yaml', FILE, { ...peer('x'), name: 'nobody' })).toThrow(
      'team.yaml does not declare AgentGroup nobody',
    );
    expect(() => addListEntry('bad.yaml', 'a: [1,\n', peer('x'))).toThrow(/bad\.yaml is not valid YAML/);
    expect(() =>
      addListEntry(
        'team.yaml',
        FILE.replace('  peers:\n    - agentGroup: writer # keep this one\n', '  peers: 3\n'),
        peer('x'),
      ),
    ).toThrow('team.yaml: spec.peers of AgentGroup assistant is not a list');
  });

  it('finds the file that declares an object', () => {
    expect(declaresObject(FILE, 'AgentGroup', 'other')).toBe(true);
    expect(declaresObject(FILE, 'AgentGroup', 'nobody')).toBe(false);
    expect(declaresObject('a: [1,\n', 'AgentGroup', 'other')).toBe(false);
  });
});
