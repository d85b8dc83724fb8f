/**
 * A KubeConfig whose HTTPS agents are shared and keep connections alive.
 *
 * client-node 1.x creates a new https.Agent for every request (and every watch), so each call opens a new TLS
 * connection and builds a new secure context from the CA, certificate and key. With thousands of status writes that
 * dominates both CPU (here and in the API server) and memory. This subclass hands out one keep-alive agent per
 * distinct TLS identity instead; authentication headers (tokens, exec plugins) are still applied per request.
 */
import https from 'node:https';
import { KubeConfig, type RequestContext } from '@kubernetes/client-node';

const MAX_AGENTS = 8;

export class PooledKubeConfig extends KubeConfig {
  private readonly agents = new Map<string, https.Agent>();

  /** A pooled copy of `kc` (clusters, users, contexts and the current context). */
  static from(kc: KubeConfig): PooledKubeConfig {
    if (kc instanceof PooledKubeConfig) return kc;
    const pooled = new PooledKubeConfig();
    pooled.loadFromOptions({
      clusters: kc.clusters,
      users: kc.users,
      contexts: kc.contexts,
      currentContext: kc.currentContext,
    });
    return pooled;
  }

  private shared<A>(agent: A): A | https.Agent {
    if (!(agent instanceof https.Agent)) return agent;
    const o = agent.options;
    const key = [o.ca, o.cert, o.key, o.pfx, o.passphrase, o.rejectUnauthorized, o.servername]
      .map((v) => (v === undefined ? '' : String(v as string)))
      .join('\u0000');
    let pooled = this.agents.get(key);
    if (!pooled) {
      if (this.agents.size >= MAX_AGENTS) this.agents.clear(); // rotated credentials: start over
      pooled = new https.Agent({ ...o, keepAlive: true });
      this.agents.set(key, pooled);
    }
    return pooled;
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const agent = context.getAgent();
    if (agent) context.setAgent(this.shared(agent));
  }

  override async applyToFetchOptions(
    opts: Parameters<KubeConfig['applyToFetchOptions']>[0],
  ): ReturnType<KubeConfig['applyToFetchOptions']> {
    const init = await super.applyToFetchOptions(opts);
    if (init.agent) init.agent = this.shared(init.agent);
    return init;
  }
}
