/**
 * Test-only: a remote MCP server over streamable HTTP on 127.0.0.1 (the MCP SDK's own server transport, stateful
 * sessions, answers as SSE), with one tool `echo {text}` → "echo: <text>". Every request must carry the header
 * `requiredHeader` with `requiredValue`, else it gets 401 — what a hosted MCP server does with a missing or wrong
 * API key. Each request's method and headers are recorded, so a test sees what the host sent.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

export interface RecordedMcpRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
}

export class FakeMcpHttp {
  readonly requests: RecordedMcpRequest[] = [];
  readonly calls: string[] = [];
  private readonly sessions = new Map<string, StreamableHTTPServerTransport>();

  private readonly server: http.Server;
  url = '';

  private constructor(
    private readonly opts: { path: string; requiredHeader: string; requiredValue: string },
  ) {
    this.server = http.createServer((req, res) => void this.handle(req, res));
  }

  static async start(opts: {
    path: string;
    requiredHeader: string;
    requiredValue: string;
  }): Promise<FakeMcpHttp> {
    const fake = new FakeMcpHttp(opts);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}${opts.path}`;
    return fake;
  }

  private newServer(): McpServer {
    const mcp = new McpServer({ name: 'remote-echo', version: '1.0.0' });
    mcp.registerTool(
      'echo',
      { description: 'Echoes the text back.', inputSchema: { text: z.string() } },
      ({ text }) => {
        this.calls.push(text);
        return { content: [{ type: 'text', text: `echo: ${text}` }] };
      },
    );
    return mcp;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const opts = this.opts;
    this.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    if (req.url !== opts.path) {
      res.writeHead(404).end();
      return;
    }
    if (req.headers[opts.requiredHeader.toLowerCase()] !== opts.requiredValue) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid API key' }));
      return;
    }
    const id = req.headers['mcp-session-id'];
    let transport = typeof id === 'string' ? this.sessions.get(id) : undefined;
    if (!transport) {
      if (typeof id === 'string') {
        res.writeHead(404).end();
        return;
      }
      const created: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sid) => void this.sessions.set(sid, created),
      });
      created.onclose = () => {
        if (created.sessionId) this.sessions.delete(created.sessionId);
      };
      await this.newServer().connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res);
  }

  async close(): Promise<void> {
    for (const t of this.sessions.values()) await t.close().catch(() => undefined);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
