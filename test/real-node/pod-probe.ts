/**
 * Runs small Node.js programs inside a pod's container with `kubectl exec` (through the API server, the kubelet
 * and containerd's streaming server), and a probe pod: a Pod Security `restricted` pod of the runner image that no
 * NetworkPolicy selects, the "another pod" of the network tests.
 */
import { eventually, getJson, kubectl, kubectlResult, type PodJson } from './cluster.js';

export function execNode(namespace: string, pod: string, program: string) {
  return kubectlResult(['-n', namespace, 'exec', pod, '--', 'node', '-e', program]);
}

export type Reach = 'open' | 'refused' | 'timeout' | 'error';

/** Tries a TCP connection from inside `pod`; 'open' only when the handshake completed. */
export function tcpFrom(namespace: string, pod: string, host: string, port: number): Reach {
  const program = `
const s = require('node:net').connect({ host: ${JSON.stringify(host)}, port: ${port} });
const done = (r) => { console.log(r); s.destroy(); process.exit(0); };
s.setTimeout(3000, () => done('timeout'));
s.on('connect', () => done('open'));
s.on('error', (e) => done(e.code === 'ECONNREFUSED' ? 'refused' : 'error:' + e.code));`;
  const res = execNode(namespace, pod, program);
  if (res.code !== 0) throw new Error(`exec in ${pod}: ${res.stderr}`);
  const out = res.stdout.trim();
  return (out.startsWith('error') ? 'error' : out) as Reach;
}

/** Resolves a name from inside `pod` (the cluster DNS); the addresses, or the error code. */
export function resolveFrom(namespace: string, pod: string, name: string): string {
  const program = `require('node:dns').lookup(${JSON.stringify(name)}, { all: true }, (e, a) =>
  console.log(e ? 'error:' + e.code : a.map((x) => x.address).join(',')));`;
  return execNode(namespace, pod, program).stdout.trim();
}

export async function startProbePod(namespace: string, name: string, image: string): Promise<PodJson> {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/name': 'real-node-probe' } },
    spec: {
      automountServiceAccountToken: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: 'probe',
          image,
          imagePullPolicy: 'Never',
          command: ['node', '-e', "require('node:http').createServer((q, s) => s.end('probe')).listen(8080)"],
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          },
          resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
        },
      ],
    },
  };
  kubectl(['apply', '-f', '-'], JSON.stringify(pod));
  kubectl(['-n', namespace, 'wait', '--for=condition=Ready', `pod/${name}`, '--timeout=120s']);
  return eventually(`${name} with an IP`, () => {
    const p = getJson<PodJson>(['-n', namespace, 'get', 'pod', name]);
    return p.status.podIP ? p : undefined;
  });
}
