/**
 * The web chat's HTTP server as the host serves it: the web adapter behind the signed-in web identity, with what
 * each user may see and answer, owners' pairing codes, readiness and metrics.
 *
 * Invariants: identity comes only from WebAuth (a verified credential); what a user sees and answers is decided
 * by web-auth/visibility.ts; a card click goes to the host card that claims the question id, any other answer to
 * the agent's question only with the right to answer it.
 */
import type http from 'node:http';
import type { Logger } from 'pino';
import { issuePairingCode } from './access/pairing.js';
import { isOwner } from './access/roles.js';
import type { WebAdapter } from './channels/web/web-adapter.js';
import { createWebServer } from './channels/web/web-server.js';
import type { HostConfig } from './config.js';
import type { CentralDb } from './db/central-db.js';
import type { Metrics } from './metrics.js';
import { RateLimiter } from './rate-limit.js';
import type { HostCards } from './router/inbound-sink.js';
import { answerQuestion } from './session/question-response.js';
import type { SessionManager } from './session/session-manager.js';
import { StreamSlots } from './web-auth/limits.js';
import { canSeeWebChat, mayAnswerInWeb, visibleWebChats, webUserName } from './web-auth/visibility.js';
import type { WebAuth } from './web-auth/web-auth.js';

export interface HostWebServerDeps {
  config: HostConfig;
  db: CentralDb;
  web: WebAdapter;
  auth: WebAuth;
  sessions: SessionManager;
  cards: HostCards[];
  metrics: Metrics;
  defaultChat: string;
  log: Logger;
}

export function createHostWebServer(d: HostWebServerDeps): http.Server {
  const { config, db, cards, sessions } = d;
  return createWebServer({
    adapter: d.web,
    defaultChat: d.defaultChat,
    auth: d.auth,
    messageRate: new RateLimiter({ perMinute: config.web.ratePerMinute, burst: config.web.rateBurst }),
    streams: new StreamSlots(config.web.streamsPerUser, config.web.streamsTotal),
    canSee: (userId, chat) => canSeeWebChat(db, userId, chat),
    chats: (userId) => visibleWebChats(db, userId),
    userName: (userId) => webUserName(db, userId),
    log: d.log,
    answer: async (a) => {
      const card = cards.find((c) => c.isCard(a.questionId));
      if (card) return card.click({ questionId: a.questionId, choice: { value: a.value } }, a.userId);
      const right = mayAnswerInWeb(db, a);
      if (right !== 'allowed') return right;
      return (await answerQuestion(db, sessions, { ...a, choice: { value: a.value } }))
        ? 'answered'
        : 'no_such_question';
    },
    pairingCode: (userId, body) =>
      isOwner(db, userId)
        ? issuePairingCode(db, { channelType: body.channel, agentGroupId: body.agentGroup ?? null })
        : null,
    ready: () => {
      const checks = { db: db.raw.open, runtime: true, channels: true };
      return { ready: Object.values(checks).every(Boolean), checks };
    },
    metrics: () => d.metrics.render(),
  });
}
