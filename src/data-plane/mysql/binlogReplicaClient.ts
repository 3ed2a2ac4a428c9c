/**
 * A MariaDB replication client speaking the wire protocol itself: it logs in
 * (mysql_native_password), asks for the binary log from a GTID position
 * (COM_BINLOG_DUMP with MariaDB's GTID variables) as a *semi-synchronous*
 * replica, and hands each event over; `acknowledge(file, position)` sends the
 * semi-sync reply that lets the writer's waiting commits return.
 *
 * Why not a real replica: MariaDB's semi-sync waits for one acknowledgement,
 * from any replica. The cluster volume must answer only once 4 of its 6
 * segments hold a commit, so the volume itself is the one semi-sync replica
 * and decides when to acknowledge (storage/quorumLogWriter.ts).
 *
 * Packets: 3-byte length, 1-byte sequence, payload. With @rpl_semi_sync_slave
 * set, each event packet is 0x00, 0xEF (semi-sync magic), a flag byte (1: the
 * writer waits for a reply to this event), then the event. The reply is a new
 * packet (sequence 0): 0xEF, the 8-byte end position of the event, the file name.
 */
import { createHash, randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { crc32 as zlibCrc32 } from 'node:zlib';

export interface BinlogReplicaTarget {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface BinlogEventPacket {
  /** The whole event: 19-byte header, body, CRC32 when the writer checksums. */
  event: Buffer;
  type: number;
  /** Writer's binary-log file this event is in (from the last Rotate event). */
  file: string;
  /** End position of the event in that file (the header's next-position field). */
  position: number;
  /** The writer waits for an acknowledgement of this event before its commit returns. */
  needsAck: boolean;
}

export class MysqlProtocolError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(`MariaDB error ${code}: ${message}`);
    this.name = 'MysqlProtocolError';
  }
}

const CLIENT = {
  LONG_PASSWORD: 0x1,
  PROTOCOL_41: 0x200,
  TRANSACTIONS: 0x2000,
  SECURE_CONNECTION: 0x8000,
  PLUGIN_AUTH: 0x80000,
};
const COM_QUERY = 0x03;
const COM_BINLOG_DUMP = 0x12;
const SEMI_SYNC_MAGIC = 0xef;
const ROTATE_EVENT = 4;
const HEARTBEAT_EVENT = 27;
/** MARIA_SLAVE_CAPABILITY_GTID: the writer positions by GTID and sends GTID events as they are. */
const MARIADB_SLAVE_CAPABILITY_GTID = 4;

function nativePasswordScramble(password: string, seed: Buffer): Buffer {
  if (!password) return Buffer.alloc(0);
  const sha1 = (data: Buffer) => createHash('sha1').update(data).digest();
  const stage1 = sha1(Buffer.from(password, 'utf8'));
  const stage2 = sha1(stage1);
  const mix = sha1(Buffer.concat([seed, stage2]));
  for (let i = 0; i < mix.length; i++) mix[i] = mix[i]! ^ stage1[i]!;
  return mix;
}

/**
 * One dump connection. Events arrive through the 'event' listener; 'close'
 * fires once, with the error that ended the stream (if any).
 */
export class BinlogReplicaClient extends EventEmitter {
  private socket: net.Socket | undefined;
  private buffer: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (packet: { sequence: number; payload: Buffer }) => void; reject: (error: Error) => void } | undefined;
  private queued: { sequence: number; payload: Buffer }[] = [];
  private continued: Buffer[] = [];
  private sequence = 0;
  private streaming = false;
  private file = '';
  private closed = false;
  /** Our replica server id: unique per connection, so two links never evict each other. */
  readonly serverId = randomInt(2 ** 30, 2 ** 31);

  constructor(private readonly target: BinlogReplicaTarget) {
    super();
  }

  /**
   * Connects, logs in and starts the dump after `gtidPosition` ("" for the
   * beginning of the writer's binary log). Resolves once the writer accepted it.
   */
  async start(gtidPosition: string, options: { connectTimeoutMs?: number; heartbeatMs?: number } = {}): Promise<void> {
    const socket = net.connect({ host: this.target.host, port: this.target.port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (data) => this.onData(data));
    socket.on('error', (error) => this.finish(error));
    socket.on('close', () => this.finish(new Error('the writer closed the replication connection')));
    const timer = setTimeout(() => socket.destroy(new Error(`no answer from ${this.target.host}:${this.target.port} within ${options.connectTimeoutMs ?? 5000} ms`)), options.connectTimeoutMs ?? 5000);
    try {
      await this.login();
      const heartbeatNs = BigInt(options.heartbeatMs ?? 1000) * 1_000_000n;
      for (const statement of [
        'SET @master_binlog_checksum = @@global.binlog_checksum',
        `SET @master_heartbeat_period = ${heartbeatNs}`,
        `SET @mariadb_slave_capability = ${MARIADB_SLAVE_CAPABILITY_GTID}`,
        `SET @slave_connect_state = '${gtidPosition.replace(/[^0-9,-]/g, '')}'`,
        'SET @slave_gtid_strict_mode = 1',
        'SET @slave_gtid_ignore_duplicates = 0',
        'SET @rpl_semi_sync_slave = 1',
      ]) {
        await this.query(statement);
      }
      // Position, flags (blocking), our server id, file name: empty, the GTID state decides.
      const dump = Buffer.alloc(11);
      dump[0] = COM_BINLOG_DUMP;
      dump.writeUInt32LE(4, 1);
      dump.writeUInt16LE(0, 5);
      dump.writeUInt32LE(this.serverId, 7);
      this.sequence = 0;
      this.write(dump);
      // The first packet says whether the writer accepted the position (an error) or streams.
      const first = await this.next();
      this.streaming = true;
      this.onStreamPacket(first.payload);
      for (const packet of this.queued.splice(0)) this.onStreamPacket(packet.payload);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Tells the writer that everything up to `position` of `file` is durable: its waiting commits return. */
  acknowledge(file: string, position: number): void {
    if (this.closed || !this.socket) return;
    const name = Buffer.from(file, 'utf8');
    const reply = Buffer.alloc(9 + name.length);
    reply[0] = SEMI_SYNC_MAGIC;
    reply.writeBigUInt64LE(BigInt(position), 1);
    name.copy(reply, 9);
    this.sequence = 0;
    this.write(reply);
  }

  close(): void {
    this.socket?.destroy();
    this.finish();
  }

  private finish(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.socket?.destroy();
    this.waiting?.reject(error ?? new Error('the replication connection is closed'));
    this.waiting = undefined;
    this.emit('close', error);
  }

  private async login(): Promise<void> {
    const greeting = (await this.next()).payload;
    if (greeting[0] === 0xff) throw this.errorFrom(greeting);
    let at = 1;
    at = greeting.indexOf(0, at) + 1; // server version
    at += 4; // connection id
    const seed1 = greeting.subarray(at, at + 8);
    at += 9; // seed part 1 and filler
    at += 2 + 1 + 2 + 2; // capabilities (low), charset, status, capabilities (high)
    const seedLength = greeting[at]!;
    at += 1 + 10;
    const seed2Length = Math.max(13, seedLength - 8);
    const seed2 = greeting.subarray(at, at + seed2Length - 1); // without its trailing NUL
    const seed = Buffer.concat([seed1, seed2]);

    const auth = nativePasswordScramble(this.target.password, seed);
    const flags = CLIENT.LONG_PASSWORD | CLIENT.PROTOCOL_41 | CLIENT.TRANSACTIONS | CLIENT.SECURE_CONNECTION | CLIENT.PLUGIN_AUTH;
    const head = Buffer.alloc(32);
    head.writeUInt32LE(flags, 0);
    head.writeUInt32LE(1 << 24, 4);
    head[8] = 45; // utf8mb4_general_ci
    const response = Buffer.concat([
      head,
      Buffer.from(this.target.user + '\0', 'utf8'),
      Buffer.from([auth.length]),
      auth,
      Buffer.from('mysql_native_password\0', 'utf8'),
    ]);
    this.write(response);
    let reply = (await this.next()).payload;
    if (reply[0] === 0xfe) {
      // Authentication switch: the server names a plugin and a new seed.
      const nameEnd = reply.indexOf(0, 1);
      const plugin = reply.toString('utf8', 1, nameEnd);
      if (plugin !== 'mysql_native_password') throw new Error(`The writer asks for ${plugin} authentication; the volume link speaks mysql_native_password`);
      const newSeed = reply.subarray(nameEnd + 1, reply.length - (reply[reply.length - 1] === 0 ? 1 : 0));
      this.write(nativePasswordScramble(this.target.password, newSeed));
      reply = (await this.next()).payload;
    }
    if (reply[0] === 0xff) throw this.errorFrom(reply);
    if (reply[0] !== 0x00) throw new Error(`Unexpected login reply 0x${reply[0]?.toString(16)}`);
  }

  private async query(sql: string): Promise<void> {
    this.sequence = 0;
    this.write(Buffer.concat([Buffer.from([COM_QUERY]), Buffer.from(sql, 'utf8')]));
    const reply = (await this.next()).payload;
    if (reply[0] === 0xff) throw this.errorFrom(reply);
    if (reply[0] !== 0x00) throw new Error(`Unexpected reply to ${sql}`);
  }

  private write(payload: Buffer): void {
    const header = Buffer.alloc(4);
    header.writeUIntLE(payload.length, 0, 3);
    header[3] = this.sequence++ & 0xff;
    this.socket!.write(Buffer.concat([header, payload]));
  }

  private next(): Promise<{ sequence: number; payload: Buffer }> {
    const ready = this.queued.shift();
    if (ready) return Promise.resolve(ready);
    if (this.closed) return Promise.reject(new Error('the replication connection is closed'));
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  private onData(data: Buffer): void {
    this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
    while (this.buffer.length >= 4) {
      const length = this.buffer.readUIntLE(0, 3);
      if (this.buffer.length < 4 + length) break;
      const sequence = this.buffer[3]!;
      const payload = this.buffer.subarray(4, 4 + length);
      this.buffer = this.buffer.subarray(4 + length);
      this.sequence = sequence + 1;
      // A payload of 16 MiB - 1 continues in the next packet (a large row event).
      if (length === 0xffffff) {
        this.continued.push(Buffer.from(payload));
        continue;
      }
      const whole = this.continued.length ? Buffer.concat([...this.continued.splice(0), payload]) : payload;
      this.deliver({ sequence, payload: whole });
    }
  }

  private deliver(packet: { sequence: number; payload: Buffer }): void {
    if (this.streaming) return this.onStreamPacket(packet.payload);
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting.resolve(packet);
    } else {
      this.queued.push(packet);
    }
  }

  private onStreamPacket(payload: Buffer): void {
    if (this.closed) return;
    if (payload[0] === 0xff) return this.finish(this.errorFrom(payload));
    if (payload[0] === 0xfe && payload.length < 9) return this.finish(new Error('the writer ended the binary-log stream'));
    let at = 1;
    let needsAck = false;
    if (payload[at] === SEMI_SYNC_MAGIC) {
      needsAck = payload[at + 1] === 1;
      at += 2;
    }
    const event = Buffer.from(payload.subarray(at)); // our own copy: the socket buffer is reused
    const type = event[4]!;
    const position = event.readUInt32LE(13);
    if (type === ROTATE_EVENT) {
      // Body: 8-byte position, then the file name (the rest, minus the CRC32 when present).
      const nameEnd = event.length - (this.looksChecksummed(event) ? 4 : 0);
      this.file = event.toString('utf8', 19 + 8, nameEnd);
    }
    if (type === HEARTBEAT_EVENT) return;
    this.emit('event', { event, type, file: this.file, position, needsAck } satisfies BinlogEventPacket);
  }

  /** A Rotate event's name runs to its end; with checksums on, the last 4 bytes are a CRC32 over the rest. */
  private looksChecksummed(event: Buffer): boolean {
    if (event.length < 23) return false;
    const crc = event.readUInt32LE(event.length - 4);
    return crc32Of(event.subarray(0, event.length - 4)) === crc;
  }

  private errorFrom(payload: Buffer): MysqlProtocolError {
    const code = payload.readUInt16LE(1);
    const message = payload.toString('utf8', payload[3] === 0x23 ? 9 : 3);
    return new MysqlProtocolError(code, message);
  }
}

const crc32Of = (data: Buffer) => zlibCrc32(data) >>> 0;
