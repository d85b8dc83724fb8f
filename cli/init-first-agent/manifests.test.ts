import { describe, expect, it } from 'vitest';
import { decideRole, planFirstAgent } from '../../host/onboarding/first-agent-plan.js';
import { dmMessagingGroupName, firstAgentManifests } from './manifests.js';

const plan = planFirstAgent({ channel: 'telegram-support', user: '111', name: 'Alice', provider: 'mock' });

describe('firstAgentManifests', () => {
  it('builds the AgentGroup, the wired DM MessagingGroup, the owner grant and the membership', () => {
    const m = firstAgentManifests('team', plan, '111', decideRole('owner', plan.userId, []));
    const labels = { 'nanoclaw.dev/created-by': 'cli' };
    expect(m.agentGroup).toMatchObject({
      kind: 'AgentGroup',
      metadata: { name: 'dm-with-alice', namespace: 'team', labels },
      spec: { folder: 'dm-with-alice', provider: 'mock', displayName: 'Assistant' },
    });
    expect(m.messagingGroup).toMatchObject({
      metadata: { name: dmMessagingGroupName('telegram-support', '111'), labels },
      spec: {
        channel: 'telegram-support',
        platformId: '111',
        unknownSenderPolicy: 'strict',
        agents: [
          {
            agentGroup: 'dm-with-alice',
            engage: { mode: 'pattern', pattern: '.' },
            senderScope: 'all',
            sessionMode: 'shared',
          },
        ],
      },
    });
    expect(m.userRoles.map((r) => r.spec)).toEqual([
      { user: 'telegram:111', role: 'owner', displayName: 'Alice' },
      { user: 'telegram:111', role: 'member', agentGroup: 'dm-with-alice', displayName: 'Alice' },
    ]);
  });

  it('grants no owner over an existing one, and a scoped admin for --role admin', () => {
    const noOwner = firstAgentManifests('team', plan, '111', decideRole('owner', plan.userId, ['web:local']));
    expect(noOwner.userRoles.map((r) => r.spec.role)).toEqual(['member']);
    const admin = firstAgentManifests('team', plan, '111', decideRole('admin', plan.userId, []));
    expect(admin.userRoles.map((r) => [r.spec.role, r.spec.agentGroup])).toEqual([
      ['admin', 'dm-with-alice'],
      ['member', 'dm-with-alice'],
    ]);
  });

  it('names the DM object deterministically as a DNS label', () => {
    const name = dmMessagingGroupName('slack', 'D0123ABC');
    expect(name).toBe(dmMessagingGroupName('slack', 'D0123ABC'));
    expect(name).toMatch(/^dm-slack-[0-9a-f]{10}$/);
    expect(dmMessagingGroupName('slack', 'D0123ABD')).not.toBe(name);
  });
});
