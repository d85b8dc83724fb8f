import { describe, expect, it } from 'vitest';
import { describeConfig, loadConfig } from '../../config.js';

const env = { NANOCLAW_RUNTIME: 'docker', NANOCLAW_DOCKER_IMAGE: 'nanoclaw-runner:dev' };

describe('the docker runtime configuration', () => {
  it('requires a runner image and says how to get one', () => {
    expect(() => loadConfig({ NANOCLAW_RUNTIME: 'docker' })).toThrow(
      /NANOCLAW_DOCKER_IMAGE: required with NANOCLAW_RUNTIME=docker .*docker build --target agent-runner/,
    );
  });

  it('reads default limits as Kubernetes quantities and runs runners as uid/gid 1000 by default', () => {
    const c = loadConfig({ ...env, NANOCLAW_DOCKER_MEMORY: '512Mi', NANOCLAW_DOCKER_CPUS: '500m' });
    expect(c.docker).toEqual({
      image: 'nanoclaw-runner:dev',
      cli: 'docker',
      limits: { memory: 512 * 2 ** 20, cpus: 0.5, pids: 512 },
      uid: 1000,
      gid: 1000,
    });
    expect(() => loadConfig({ ...env, NANOCLAW_DOCKER_MEMORY: 'a lot' })).toThrow(
      /NANOCLAW_DOCKER_MEMORY.*not a memory quantity/,
    );
  });

  it('shows the docker settings in the config log line only with that runtime', () => {
    expect(describeConfig(loadConfig(env))).toHaveProperty('docker');
    expect(describeConfig(loadConfig({}))).not.toHaveProperty('docker');
  });
});
