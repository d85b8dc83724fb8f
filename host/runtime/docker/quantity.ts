/**
 * Resource quantities as Kubernetes writes them (an AgentGroup's `resources.limits`, NANOCLAW_DOCKER_MEMORY and
 * NANOCLAW_DOCKER_CPUS), turned into the numbers `docker run` takes. Anything else throws, naming the value.
 */

export interface DockerLimits {
  /** Bytes. */
  memory: number;
  cpus: number;
  pids: number;
}

const MEMORY_UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** A Kubernetes memory quantity (`512Mi`, `1G`, `1073741824`) in bytes; throws on anything else. */
export function memoryBytes(quantity: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(|k|K|M|G|T|Ki|Mi|Gi|Ti)$/.exec(quantity.trim());
  if (!m) throw new Error(`${quantity}: not a memory quantity (e.g. 512Mi, 1Gi)`);
  return Math.floor(Number(m[1]) * MEMORY_UNITS[m[2]!]!);
}

/** A Kubernetes CPU quantity (`500m`, `2`, `1.5`) in CPUs; throws on anything else. */
export function cpuCount(quantity: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(m?)$/.exec(quantity.trim());
  if (!m || Number(m[1]) === 0) throw new Error(`${quantity}: not a CPU quantity (e.g. 500m, 2)`);
  return m[2] === 'm' ? Number(m[1]) / 1000 : Number(m[1]);
}
