import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { Clock } from './clock.ts';
import { sessionId as newSessionId } from './ids.ts';
import type { Recorder } from './recorder.ts';
import type { EmulatorState } from './state.ts';
import type { EmulatorConfig } from './types.ts';
import { isRecord, type JsonObject } from './validation/index.ts';

export const Intents = {
  Guilds: 1 << 0,
  GuildMembers: 1 << 1,
  GuildPresences: 1 << 8,
  GuildMessages: 1 << 9,
  DirectMessages: 1 << 12,
  MessageContent: 1 << 15,
} as const;

const PRIVILEGED_INTENTS = Intents.GuildMembers | Intents.GuildPresences | Intents.MessageContent;
/** Every intent bit Discord currently defines (0-25 minus the unused ones). */
const KNOWN_INTENTS = (1 << 26) - 1;

export const Op = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  PresenceUpdate: 3,
  VoiceStateUpdate: 4,
  Resume: 6,
  Reconnect: 7,
  RequestGuildMembers: 8,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
  RequestSoundboardSounds: 31,
} as const;

/** The shard a guild's events go to: Discord's `(guild_id >> 22) % shard_count`. DMs go to shard 0. */
export function shardIdOf(guildId: string | null, shardCount: number): number {
  if (guildId === null || shardCount <= 1) return 0;
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

/** Who an event is for: the shard owning `guildId` (shard 0 for null: DMs), optionally one intent. */
export interface DispatchTarget {
  guildId: string | null;
  intent?: number;
}

/** Close codes after which Discord does not let the session be resumed. */
const SESSION_ENDING_CODES = new Set([1000, 1001, 4004, 4007, 4009, 4010, 4011, 4012, 4013, 4014]);
const MAX_PAYLOAD_BYTES = 4096;
const SEND_LIMIT = 120;
const SEND_WINDOW_MS = 60_000;
const BACKLOG_LIMIT = 5000;
const RESUME_WINDOW_MS = 5 * 60_000;

interface Dispatched {
  s: number;
  t: string;
  d: unknown;
}

export interface Session {
  id: string;
  intents: number;
  shard: [number, number] | null;
  seq: number;
  backlog: Dispatched[];
  connection: Connection | null;
  invalidated: boolean;
  /** READY and all GUILD_CREATEs sent. */
  ready: boolean;
  disconnectedAt: number | null;
}

interface Connection {
  id: number;
  ws: WebSocket;
  path: string;
  session: Session | null;
  identified: boolean;
  sent: { count: number; resetAt: number };
}

export interface GatewayDeps {
  clock: Clock;
  recorder: Recorder;
  state: EmulatorState;
  config: () => EmulatorConfig;
  token: () => string;
  baseUrl: () => string;
}

/** The emulated gateway: HELLO/IDENTIFY/READY/RESUME/heartbeats, sequence numbers and replay. */
export class Gateway {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, Session>();
  private readonly connections = new Set<Connection>();
  private connectionSeq = 0;
  identifyCount = 0;
  resumeCount = 0;
  readyCount = 0;
  sessionStartRemaining = 1000;
  /** Every closed bot socket with the close code the emulator saw (1000/1001: the bot closed cleanly). */
  readonly closes: { connection: number; code: number; at: number }[] = [];

  constructor(private readonly deps: GatewayDeps) {}

  get gatewayUrl(): string {
    return `${this.deps.baseUrl().replace(/^http/, 'ws')}/gateway`;
  }

  get resumeUrl(): string {
    return `${this.deps.baseUrl().replace(/^http/, 'ws')}/gateway/resume`;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/gateway' && url.pathname !== '/gateway/resume') {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, url));
  }

  // -------------------------------------------------------------------------------------------------------
  // Connection lifecycle

  private onConnection(ws: WebSocket, url: URL): void {
    const conn: Connection = {
      id: ++this.connectionSeq,
      ws,
      path: url.pathname,
      session: null,
      identified: false,
      sent: { count: 0, resetAt: Date.now() + SEND_WINDOW_MS },
    };
    this.connections.add(conn);
    ws.on('message', (data, isBinary) => this.onMessage(conn, data, isBinary));
    ws.on('close', (code) => this.onClose(conn, code));
    ws.on('error', () => undefined);

    const version = url.searchParams.get('v');
    if (version !== '10') {
      this.violation(`gateway connected with v=${String(version)} (expected 10)`);
      this.close(conn, 4012, 'Invalid API version');
      return;
    }
    const encoding = url.searchParams.get('encoding') ?? 'json';
    if (encoding !== 'json') {
      this.violation(`gateway encoding=${encoding} is not supported by the emulator`);
      this.close(conn, 4002, 'Decode error');
      return;
    }
    // `compress` (zlib-stream) is never honoured: the emulator always sends plain text frames.
    this.send(conn, {
      op: Op.Hello,
      d: { heartbeat_interval: this.deps.config().heartbeatIntervalMs },
      s: null,
      t: null,
    });
  }

  private onClose(conn: Connection, code: number): void {
    this.connections.delete(conn);
    this.closes.push({ connection: conn.id, code, at: this.deps.clock.now() });
    const session = conn.session;
    if (!session || session.connection !== conn) return;
    session.connection = null;
    session.disconnectedAt = this.deps.clock.now();
    // A client closing with 1000/1001 ends its session (Discord cannot resume it).
    if (code === 1000 || code === 1001) session.invalidated = true;
    this.deps.recorder.changed();
  }

  private onMessage(conn: Connection, data: RawData, isBinary: boolean): void {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (buf.length > MAX_PAYLOAD_BYTES) {
      this.violation(`gateway payload of ${buf.length} bytes exceeds ${MAX_PAYLOAD_BYTES}`);
      this.close(conn, 4002, 'Decode error');
      return;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(buf.toString('utf8'));
    } catch {
      this.violation(`undecodable gateway payload (binary=${isBinary})`);
      this.close(conn, 4002, 'Decode error');
      return;
    }
    if (!isRecord(payload) || typeof payload.op !== 'number') {
      this.violation('gateway payload without numeric op');
      this.close(conn, 4002, 'Decode error');
      return;
    }
    this.deps.recorder.gateway({
      connection: conn.id,
      shard: shardOfConnection(conn),
      direction: 'receive',
      op: payload.op,
      t: null,
      s: null,
      d: payload.d,
    });

    const now = Date.now();
    if (now >= conn.sent.resetAt) conn.sent = { count: 0, resetAt: now + SEND_WINDOW_MS };
    if (++conn.sent.count > SEND_LIMIT) {
      this.violation(`more than ${SEND_LIMIT} gateway payloads in ${SEND_WINDOW_MS / 1000} s`);
      this.close(conn, 4008, 'Rate limited.');
      return;
    }

    const op = payload.op;
    if (!conn.identified && op !== Op.Heartbeat && op !== Op.Identify && op !== Op.Resume) {
      this.violation(`op ${op} sent before IDENTIFY/RESUME`);
      this.close(conn, 4003, 'Not authenticated.');
      return;
    }
    switch (op) {
      case Op.Heartbeat:
        return this.onHeartbeat(conn, payload.d);
      case Op.Identify:
        return this.onIdentify(conn, payload.d);
      case Op.Resume:
        return this.onResume(conn, payload.d);
      case Op.PresenceUpdate:
      case Op.VoiceStateUpdate:
      case Op.RequestSoundboardSounds:
        return;
      case Op.RequestGuildMembers:
        return this.onRequestGuildMembers(conn, payload.d);
      default:
        this.violation(`unknown gateway opcode ${op}`);
        this.close(conn, 4001, 'Unknown opcode.');
    }
  }

  private onHeartbeat(conn: Connection, d: unknown): void {
    if (d !== null && d !== undefined && (typeof d !== 'number' || !Number.isInteger(d))) {
      this.violation(`heartbeat with non-integer sequence ${JSON.stringify(d)}`);
    } else if (typeof d === 'number' && conn.session && d > conn.session.seq) {
      this.violation(`heartbeat acknowledges sequence ${d} but only ${conn.session.seq} were sent`);
    }
    this.send(conn, { op: Op.HeartbeatAck, d: null, s: null, t: null });
  }

  private onIdentify(conn: Connection, d: unknown): void {
    if (conn.identified) {
      this.violation('second IDENTIFY on an authenticated connection');
      this.close(conn, 4005, 'Already authenticated.');
      return;
    }
    const answer = this.deps.config().identifyAnswer;
    if (answer === 'nothing') return;
    if (typeof answer === 'number') {
      this.close(conn, answer, 'Closed by emulator (identifyAnswer)');
      return;
    }
    if (!isRecord(d) || typeof d.token !== 'string' || d.token !== this.deps.token()) {
      this.violation('IDENTIFY with an invalid token');
      this.close(conn, 4004, 'Authentication failed.');
      return;
    }
    if (!isRecord(d.properties)) {
      this.violation('IDENTIFY without properties');
      this.close(conn, 4002, 'Decode error');
      return;
    }
    const intents = d.intents;
    if (
      typeof intents !== 'number' ||
      !Number.isInteger(intents) ||
      intents < 0 ||
      (intents & ~KNOWN_INTENTS) !== 0
    ) {
      this.violation(`IDENTIFY with invalid intents ${JSON.stringify(intents)}`);
      this.close(conn, 4013, 'Invalid intent(s).');
      return;
    }
    const privileged = intents & PRIVILEGED_INTENTS & ~this.deps.config().privilegedIntents;
    if (privileged !== 0) {
      this.violation(`IDENTIFY asks for privileged intents ${privileged} that are not enabled`);
      this.close(conn, 4014, 'Disallowed intent(s).');
      return;
    }
    let shard: [number, number] | null = null;
    if (d.shard !== undefined) {
      const s = d.shard;
      if (
        !Array.isArray(s) ||
        s.length !== 2 ||
        !Number.isInteger(s[0]) ||
        !Number.isInteger(s[1]) ||
        (s[1] as number) < 1 ||
        (s[0] as number) < 0 ||
        (s[0] as number) >= (s[1] as number)
      ) {
        this.violation(`IDENTIFY with invalid shard ${JSON.stringify(s)}`);
        this.close(conn, 4010, 'Invalid shard.');
        return;
      }
      shard = [s[0] as number, s[1] as number];
    }
    const { state } = this.deps;
    const [shardId, shardCount] = shard ?? [0, 1];
    const guilds = [...state.guilds.values()].filter(
      (g) => g.members.has(state.bot.id) && shardIdOf(g.id, shardCount) === shardId,
    );
    const maxGuilds = this.deps.config().maxGuildsPerShard;
    if (guilds.length > maxGuilds) {
      this.violation(
        `IDENTIFY as shard [${shardId}, ${shardCount}] would hold ${guilds.length} guilds (more than ${maxGuilds}): sharding required`,
      );
      this.close(conn, 4011, 'Sharding required.');
      return;
    }
    if (this.sessionStartRemaining <= 0) {
      this.violation('IDENTIFY with no session starts remaining');
      this.close(conn, 4004, 'Authentication failed.');
      return;
    }
    this.sessionStartRemaining--;
    this.identifyCount++;
    const session: Session = {
      id: newSessionId(),
      intents,
      shard,
      seq: 0,
      backlog: [],
      connection: conn,
      invalidated: false,
      ready: false,
      disconnectedAt: null,
    };
    this.sessions.set(session.id, session);
    conn.session = session;
    conn.identified = true;

    this.dispatchTo(session, 'READY', {
      v: 10,
      user_settings: {},
      user: state.apiCurrentUser(),
      guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: session.id,
      session_type: 'normal',
      resume_gateway_url: this.resumeUrl,
      ...(shard ? { shard } : {}),
      application: { id: state.application.id, flags: this.applicationFlags() },
      private_channels: [],
      relationships: [],
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      auth: {},
      _trace: ['["emulator",{"micros":0}]'],
    });
    if ((intents & Intents.Guilds) !== 0) {
      for (const guild of guilds) this.dispatchTo(session, 'GUILD_CREATE', state.apiGuildCreate(guild));
    }
    session.ready = true;
    this.readyCount++;
    this.deps.recorder.changed();
  }

  private applicationFlags(): number {
    const enabled = this.deps.config().privilegedIntents;
    let flags = 0;
    if (enabled & Intents.GuildPresences) flags |= 1 << 13;
    if (enabled & Intents.GuildMembers) flags |= 1 << 15;
    if (enabled & Intents.MessageContent) flags |= 1 << 19;
    return flags;
  }

  private onResume(conn: Connection, d: unknown): void {
    if (conn.identified) {
      this.violation('RESUME on an authenticated connection');
      this.close(conn, 4005, 'Already authenticated.');
      return;
    }
    if (!isRecord(d) || d.token !== this.deps.token()) {
      this.violation('RESUME with an invalid token');
      this.close(conn, 4004, 'Authentication failed.');
      return;
    }
    const session = typeof d.session_id === 'string' ? this.sessions.get(d.session_id) : undefined;
    this.expireSessions();
    if (!session || session.invalidated) {
      this.send(conn, { op: Op.InvalidSession, d: false, s: null, t: null });
      return;
    }
    const seq = d.seq;
    if (seq !== null && (typeof seq !== 'number' || seq > session.seq || seq < 0)) {
      this.violation(`RESUME with sequence ${JSON.stringify(seq)} but the session is at ${session.seq}`);
      session.invalidated = true;
      this.close(conn, 4007, 'Invalid seq.');
      return;
    }
    const from = typeof seq === 'number' ? seq : 0;
    const oldest = session.backlog[0]?.s ?? session.seq + 1;
    if (from + 1 < oldest) {
      // Missed events that are no longer buffered: Discord invalidates the session.
      session.invalidated = true;
      this.send(conn, { op: Op.InvalidSession, d: false, s: null, t: null });
      return;
    }
    const previous = session.connection;
    if (previous && previous !== conn) this.close(previous, 4000, 'Session resumed elsewhere');
    session.connection = conn;
    session.disconnectedAt = null;
    conn.session = session;
    conn.identified = true;
    this.resumeCount++;
    for (const event of session.backlog) {
      if (event.s > from) this.send(conn, { op: Op.Dispatch, t: event.t, s: event.s, d: event.d });
    }
    this.dispatchTo(session, 'RESUMED', { _trace: ['["emulator",{"micros":0}]'] });
    this.deps.recorder.changed();
  }

  private onRequestGuildMembers(conn: Connection, d: unknown): void {
    if (!conn.session || !isRecord(d) || typeof d.guild_id !== 'string') return;
    const guild = this.deps.state.guilds.get(d.guild_id);
    if (!guild) return;
    const ids = Array.isArray(d.user_ids) ? new Set(d.user_ids.map(String)) : null;
    const members = [...guild.members.values()].filter((m) => !ids || ids.has(m.userId));
    this.dispatchTo(conn.session, 'GUILD_MEMBERS_CHUNK', {
      guild_id: guild.id,
      members: members.map((m) => this.deps.state.apiMember(m)),
      chunk_index: 0,
      chunk_count: 1,
      ...(d.nonce !== undefined ? { nonce: d.nonce } : {}),
    });
  }

  // -------------------------------------------------------------------------------------------------------
  // Sending

  private send(
    conn: Connection,
    payload: { op: number; d: unknown; s: number | null; t: string | null },
  ): void {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    conn.ws.send(JSON.stringify(payload));
    this.deps.recorder.gateway({
      connection: conn.id,
      shard: shardOfConnection(conn),
      direction: 'send',
      op: payload.op,
      t: payload.t,
      s: payload.s,
      d: payload.d,
    });
  }

  private dispatchTo(session: Session, t: string, d: unknown): void {
    const s = ++session.seq;
    session.backlog.push({ s, t, d });
    if (session.backlog.length > BACKLOG_LIMIT) session.backlog.shift();
    const conn = session.connection;
    if (conn && conn.ws.readyState === WebSocket.OPEN) this.send(conn, { op: Op.Dispatch, t, s, d });
  }

  private expireSessions(): void {
    const now = this.deps.clock.now();
    for (const s of this.sessions.values()) {
      if (!s.invalidated && s.disconnectedAt !== null && now - s.disconnectedAt > RESUME_WINDOW_MS)
        s.invalidated = true;
    }
  }

  /**
   * Dispatches an event to every live session of the shard that owns `target.guildId` (shard 0 for DMs and
   * other events outside a guild), as Discord routes them: connected, or disconnected but resumable (it is
   * buffered and replayed on RESUME). `target.intent` filters sessions that did not subscribe. Returns the
   * ids of the shards whose sessions got it, each once (an unsharded session counts as shard 0).
   */
  dispatch(t: string, d: JsonObject, target: DispatchTarget): number[] {
    this.expireSessions();
    const delivered: number[] = [];
    for (const session of this.sessions.values()) {
      if (session.invalidated || !session.ready) continue;
      if (target.intent !== undefined && (session.intents & target.intent) === 0) continue;
      const [shardId, shardCount] = session.shard ?? [0, 1];
      if (shardIdOf(target.guildId, shardCount) !== shardId) continue;
      this.dispatchTo(session, t, d);
      if (!delivered.includes(shardId)) delivered.push(shardId);
    }
    return delivered;
  }

  /** Sessions that can currently receive events (ready, not invalidated). */
  liveSessions(): Session[] {
    this.expireSessions();
    return [...this.sessions.values()].filter((s) => s.ready && !s.invalidated);
  }

  isConnectedAndReady(): boolean {
    return this.liveSessions().some(isConnected);
  }

  /** Shard ids `[0, count)` that each have a connected, ready session identified with that shard count. */
  connectedShards(count: number): number[] {
    const ids = new Set<number>();
    for (const session of this.liveSessions()) {
      const [shardId, shardCount] = session.shard ?? [0, 1];
      if (shardCount === count && isConnected(session)) ids.add(shardId);
    }
    return [...ids].sort((a, b) => a - b);
  }

  /** The shard of every session (live or ended), with whether it is connected now. */
  sessionList(): { id: string; shard: [number, number] | null; connected: boolean; ready: boolean }[] {
    this.expireSessions();
    return [...this.sessions.values()].map((s) => ({
      id: s.id,
      shard: s.shard,
      connected: isConnected(s) && !s.invalidated,
      ready: s.ready && !s.invalidated,
    }));
  }

  private close(conn: Connection, code: number, reason: string): void {
    if (conn.session && SESSION_ENDING_CODES.has(code)) conn.session.invalidated = true;
    if (conn.ws.readyState === WebSocket.OPEN || conn.ws.readyState === WebSocket.CONNECTING)
      conn.ws.close(code, reason);
  }

  /** Closes every bot connection from the server side. No code → abrupt TCP drop (client sees 1006). */
  dropConnection(code?: number): number {
    let n = 0;
    for (const conn of [...this.connections]) {
      n++;
      if (code === undefined) conn.ws.terminate();
      else if (conn.ws.readyState === WebSocket.OPEN) conn.ws.close(code, 'Emulator dropped the connection');
    }
    return n;
  }

  /** Closes with a specific close code, ending the session when Discord would (4004, 4007, 4009-4014, ...). */
  closeWith(code: number, reason = 'Closed by emulator'): number {
    let n = 0;
    for (const conn of [...this.connections]) {
      n++;
      this.close(conn, code, reason);
    }
    return n;
  }

  /** Sends op 7 RECONNECT: the client should reconnect and resume. */
  requestReconnect(): void {
    for (const conn of this.connections) this.send(conn, { op: Op.Reconnect, d: null, s: null, t: null });
  }

  /** Sends op 9 INVALID_SESSION (resumable or not) to every connection. */
  invalidateSession(resumable: boolean): void {
    for (const conn of this.connections) {
      if (!resumable && conn.session) conn.session.invalidated = true;
      this.send(conn, { op: Op.InvalidSession, d: resumable, s: null, t: null });
    }
  }

  async shutdown(): Promise<void> {
    for (const conn of this.connections) conn.ws.terminate();
    this.connections.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private violation(reason: string): void {
    this.deps.recorder.violation({ kind: 'gateway', reason });
  }
}

function isConnected(session: Session): boolean {
  return session.connection !== null && session.connection.ws.readyState === WebSocket.OPEN;
}

/** The shard id of the connection's session (0 when unsharded); null before IDENTIFY or RESUME. */
function shardOfConnection(conn: Connection): number | null {
  return conn.session ? (conn.session.shard?.[0] ?? 0) : null;
}
