// f2f — the reference browser client of f2f rooms.
// Copyright (C) 2026 the f2f authors
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// An ES module with no dependencies: joins a room of f2f-signaling-server
// (docs/protocol.md) with one RTCPeerConnection per peer, as f2fsignal does,
// so browsers and GStreamer pipelines meet in the same rooms.
//
//   import { F2fRoom } from '/f2f.js';
//   const room = new F2fRoom({ room: 'demo', name: 'Ann', stream });
//   room.addEventListener('track', (e) => show(e.detail.peer, e.detail.stream));
//   await room.join();
//
// docs/browser.md lists every option, method and event.

import {
  FEED, PlanError, ROLE, USE, describePlan, feedOf, makePlan, parsePlan, planToJson, planWithout, supersedesKnown,
  roleOf, supersedes, useOf, validatePlan
} from './f2fplan.js';

const PROTOCOL_VERSION = 1;
const CONTROL = 'f2f-control';
const TOPOLOGY = 'f2f-topology';
const FILES = 'f2f-files';
const FILE_DATA = 'f2f-file-data';
const HEARTBEAT_MS = 1000;
const HEARTBEAT_TIMEOUT_MS = 5000;
const LINK_TIMEOUT_MS = 10000;
const STATS_MS = 1000;
const CHUNK_PAYLOAD = 65520;        // 64 KiB per data-channel message, header included
const FILE_WINDOW = 1024 * 1024;   // unsent file bytes per link: what a control message may wait behind
const MAX_CHAT_BYTES = 4096;
const FILE_STALL_MS = 5000;
// After a new plan, what stops (a link that no longer gets the camera, a
// peer no longer shown) goes on this long, as f2fsignal's SETTLE_MS: make
// before break, a voice may come two ways for a moment, never none.
const SETTLE_MS = 300;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function randomId (n = 16) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

function hex (buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** SHA-256 of a Blob or ArrayBuffer, as 64 lowercase hex digits (WebCrypto). */
export async function sha256Hex (data) {
  const buffer = data instanceof Blob ? await data.arrayBuffer() : data;
  return hex(await crypto.subtle.digest('SHA-256', buffer));
}

/** The WebSocket URL of the server that served this page. */
export function defaultServerUrl (loc = globalThis.location) {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/ws`;
}

// Puts @mime's codecs first in a transceiver's preferences (VP8 and Opus are
// what every f2f peer sends); RTX/RED/FEC entries stay.
function preferCodec (transceiver, kind, mime) {
  if (!transceiver.setCodecPreferences || !globalThis.RTCRtpReceiver?.getCapabilities) return;
  const caps = RTCRtpReceiver.getCapabilities(kind);
  if (!caps) return;
  const first = caps.codecs.filter((c) => c.mimeType.toLowerCase() === mime);
  const rest = caps.codecs.filter((c) => c.mimeType.toLowerCase() !== mime);
  if (first.length === 0) return;
  try {
    transceiver.setCodecPreferences([...first, ...rest]);
  } catch (e) {
    // Firefox < 128 has no setCodecPreferences; the default order works.
  }
}

// Starts or stops a sender's encoding without renegotiating.
async function setActive (sender, active) {
  const params = sender.getParameters();
  if (!params.encodings?.length || params.encodings.every((e) => e.active === active)) return;
  for (const e of params.encodings) e.active = active;
  await sender.setParameters(params);
}

// One data-channel file chunk: "F2FC", transfer (u32 BE), offset (u64 BE), bytes.
function packChunk (transfer, offset, payload) {
  const out = new Uint8Array(16 + payload.byteLength);
  const view = new DataView(out.buffer);
  out.set([0x46, 0x32, 0x46, 0x43], 0);
  view.setUint32(4, transfer >>> 0);
  view.setBigUint64(8, BigInt(offset));
  out.set(new Uint8Array(payload), 16);
  return out.buffer;
}

function parseChunk (buffer) {
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength < 16 || buffer.byteLength > 65536) return null;
  const view = new DataView(buffer);
  if (view.getUint32(0) !== 0x46324643) return null;
  const offset = view.getBigUint64(8);
  if (offset > 0x7fffffffffffffffn) return null;
  return { transfer: view.getUint32(4), offset: Number(offset), payload: new Uint8Array(buffer, 16) };
}

/**
 * The link to one remote peer: one RTCPeerConnection with a video and an
 * audio transceiver (in that order, both sendrecv) and the data channels.
 * The peer that joined later offers (docs/protocol.md, "Who offers").
 */
class F2fLink {
  constructor (room, peer, offerer) {
    this.room = room;
    this.peer = peer;
    this.offerer = offerer;
    this.state = 'new';
    this.channels = new Map();   // label → RTCDataChannel we send on
    this.pendingCandidates = [];
    this.heartbeatSeq = 0;
    this.lastHeartbeat = 0;
    this.stats = { state: 'new', rtt: -1, videoFps: 0, framesDecoded: 0, audioLevel: 0, packetsLost: 0, sentBps: 0, receivedBps: 0 };
    this.remoteStream = new MediaStream();
    this.media = {};             // kind → the transceiver that carries f2f's media
    this.closed = false;
    this.pc = new RTCPeerConnection({ iceServers: room.iceServers, bundlePolicy: 'max-bundle' });
    this.pc.onicecandidate = (e) => this.onIceCandidate(e);
    this.pc.ontrack = (e) => this.onTrack(e);
    this.pc.ondatachannel = (e) => this.adoptChannel(e.channel);
    this.pc.onconnectionstatechange = () => this.onConnectionState();
    this.timer = setInterval(() => this.tick(), STATS_MS);
    this.startedAt = performance.now();
  }

  setState (state, reason) {
    if (this.state === state) return;
    // ICE may connect before the answer's promise chain is done.
    if (state === 'connecting' && this.pc.connectionState === 'connected') return;
    this.state = state;
    this.stats.state = state;
    this.room.emit('link-state', { peer: this.peer.id, state, reason });
  }

  async offer () {
    const stream = this.room.stream;
    for (const kind of ['video', 'audio']) {
      // Always sendrecv, with or without a track: under a plan that gives
      // this link nothing to send, the track comes later by replaceTrack.
      const track = this.room.trackFor(this.peer.id, kind) || kind;
      const t = this.pc.addTransceiver(track, { direction: 'sendrecv', streams: stream ? [stream] : [] });
      this.media[kind] = t;
      preferCodec(t, kind, kind === 'video' ? 'video/vp8' : 'audio/opus');
    }
    // In the offer, so the SCTP association is negotiated once.
    this.openChannel(CONTROL);
    this.setState('offering');
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    this.room.send({ type: 'offer', to: this.peer.id, sdp: this.pc.localDescription.sdp });
  }

  async handleOffer (sdp) {
    this.setState('answering');
    await this.pc.setRemoteDescription({ type: 'offer', sdp });
    const stream = this.room.stream;
    const seen = new Set();
    for (const t of this.pc.getTransceivers()) {
      const kind = t.receiver.track.kind;
      // f2f answers the first section of each kind with its media, as here.
      if (seen.has(kind)) continue;
      seen.add(kind);
      this.media[kind] = t;
      t.direction = 'sendrecv';
      if (stream && t.sender.setStreams) t.sender.setStreams(stream);
      const track = this.room.trackFor(this.peer.id, kind);
      if (track) await t.sender.replaceTrack(track);
    }
    await this.flushCandidates();
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    this.room.send({ type: 'answer', to: this.peer.id, sdp: this.pc.localDescription.sdp });
    this.setState('connecting');
  }

  async handleAnswer (sdp) {
    if (this.pc.signalingState !== 'have-local-offer') return;
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
    await this.flushCandidates();
    this.setState('connecting');
  }

  async handleCandidate (msg) {
    const init = { candidate: msg.candidate, sdpMLineIndex: msg.sdpMLineIndex ?? 0 };
    if (msg.sdpMid !== undefined) init.sdpMid = msg.sdpMid;
    if (!this.pc.remoteDescription) {
      this.pendingCandidates.push(init);
      return;
    }
    await this.addCandidate(init);
  }

  async addCandidate (init) {
    try {
      // "" ends the peer's candidates (an end-of-candidates indication).
      await this.pc.addIceCandidate(init.candidate === '' ? undefined : init);
    } catch (e) {
      this.room.log(`link to ${this.peer.id}: candidate refused: ${e.message}`);
    }
  }

  async flushCandidates () {
    const pending = this.pendingCandidates;
    this.pendingCandidates = [];
    for (const c of pending) await this.addCandidate(c);
  }

  onIceCandidate (e) {
    if (this.closed) return;
    if (!e.candidate || e.candidate.candidate === '') {
      if (this.sentEnd) return;
      this.sentEnd = true;
      this.room.send({ type: 'ice', to: this.peer.id, candidate: '', sdpMLineIndex: 0 });
      return;
    }
    const msg = { type: 'ice', to: this.peer.id, candidate: e.candidate.candidate, sdpMLineIndex: e.candidate.sdpMLineIndex ?? 0 };
    if (e.candidate.sdpMid) msg.sdpMid = e.candidate.sdpMid;
    this.room.send(msg);
  }

  onTrack (e) {
    if (!this.remoteStream.getTracks().includes(e.track)) this.remoteStream.addTrack(e.track);
    this.room.emit('track', { peer: this.peer.id, name: this.peer.name, track: e.track, stream: this.remoteStream });
  }

  onConnectionState () {
    const s = this.pc.connectionState;
    if (s === 'connected') {
      if (!this.connectedAt) this.connectedAt = performance.now();
      this.setState('connected');
      // encodings exist once negotiated: a sender that gets nothing stops
      this.applyFeed();
    } else if (s === 'failed') {
      this.room.linkFailed(this, 'ICE or DTLS failed');
    }
  }

  // Data channels: we send on the first channel of a label, ours or the
  // peer's (both sides may open one in-band at once), and read all of them.
  openChannel (label) {
    let ch = this.channels.get(label);
    if (ch && ch.readyState !== 'closed') return ch;
    ch = this.pc.createDataChannel(label, { ordered: true });
    this.adoptChannel(ch);
    return ch;
  }

  adoptChannel (ch) {
    ch.binaryType = 'arraybuffer';
    const current = this.channels.get(ch.label);
    if (!current || current.readyState === 'closed') this.channels.set(ch.label, ch);
    ch.onmessage = (e) => this.onChannelMessage(ch.label, e.data);
    ch.onopen = () => this.onChannelOpen(ch);
    if (ch.readyState === 'open') this.onChannelOpen(ch);
  }

  onChannelOpen (ch) {
    if (ch.label === CONTROL && !this.controlOpen) {
      this.controlOpen = true;
      this.lastHeartbeat = performance.now();
      this.sendHeartbeat();
      this.room.emit('link-open', { peer: this.peer.id });
      // A peer that joined later learns the plan from whoever holds it.
      this.room.sendPlanTo(this);
      this.room.offerFilesTo(this);
    }
  }

  sendOn (label, data) {
    const ch = this.openChannel(label);
    if (ch.readyState === 'open') {
      ch.send(data);
      return true;
    }
    if (ch.readyState === 'connecting') {
      ch.addEventListener('open', () => ch.send(data), { once: true });
      return true;
    }
    return false;
  }

  sendJson (label, obj) {
    return this.sendOn(label, JSON.stringify(obj));
  }

  sendHeartbeat () {
    const ch = this.channels.get(CONTROL);
    if (ch?.readyState !== 'open') return;
    // It names the plan we hold: a peer that holds a later one sends it
    // (docs/protocol.md, "Peer to peer"), so a missed plan heals.
    const plan = this.room.plan;
    ch.send(JSON.stringify({
      type: 'heartbeat',
      seq: this.heartbeatSeq++,
      ...(plan ? { 'plan-epoch': plan.epoch, 'plan-proposer': plan.proposer } : {})
    }));
  }

  onChannelMessage (label, data) {
    // Anything from the peer shows the link is alive: its heartbeats can
    // wait behind file chunks in its SCTP queue (no priorities between
    // channels), seconds long when this side reads slowly.
    this.lastHeartbeat = performance.now();
    if (label === FILE_DATA) {
      if (data instanceof ArrayBuffer) this.room.onChunk(this, data);
      return;
    }
    // f2f sends its JSON messages as binary (UTF-8) messages; browsers
    // send strings. Both are read.
    if (data instanceof ArrayBuffer) {
      try {
        data = utf8.decode(data);
      } catch (e) {
        return;
      }
    }
    if (typeof data !== 'string') return;
    let msg;
    try {
      msg = JSON.parse(data);
    } catch (e) {
      return;   // malformed peer messages are dropped
    }
    if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return;
    if (label === CONTROL) {
      if (msg.type === 'heartbeat') {
        this.lastHeartbeat = performance.now();
        // The peer's heartbeat names an older plan than ours, or none: it
        // missed ours.
        const epoch = msg['plan-epoch'];
        const proposer = typeof msg['plan-proposer'] === 'string' ? msg['plan-proposer'] : null;
        if (this.room.plan && (proposer === null || Number.isInteger(epoch)) &&
            supersedesKnown(this.room.plan, epoch, proposer, this.room.leader)) this.room.sendPlanTo(this);
      }
      else if (msg.type === 'chat' && typeof msg.text === 'string') {
        this.lastHeartbeat = performance.now();
        this.room.emit('chat', { from: this.peer.id, name: this.peer.name, text: msg.text, time: msg.time, self: false });
      } else if (msg.type === 'plan') this.room.onPlan(this, msg.plan);
    } else if (label === TOPOLOGY && msg.type === 'topology-view' && Array.isArray(msg.links)) {
      this.room.views.set(this.peer.id, msg.links);
      this.room.emit('topology', { from: this.peer.id });
    } else if (label === FILES) {
      this.room.onFileMessage(this, msg);
    }
  }

  async tick () {
    if (this.closed) return;
    const now = performance.now();
    // A page that did not run (a starved machine, a throttled tab) does not
    // count the time it missed as the peer's silence.
    if (this.lastTick && now - this.lastTick > 2 * STATS_MS) this.lastHeartbeat += now - this.lastTick - STATS_MS;
    this.lastTick = now;
    if (this.controlOpen) {
      this.sendHeartbeat();
      if (now - this.lastHeartbeat > HEARTBEAT_TIMEOUT_MS) {
        this.room.linkFailed(this, `no heartbeat for ${HEARTBEAT_TIMEOUT_MS / 1000} s`);
        return;
      }
    } else if (now - this.startedAt > LINK_TIMEOUT_MS * (this.offerer ? 1 : 2)) {
      // The offerer re-offers after link-timeout; an answerer whose offer
      // never came offers itself after twice that (docs/protocol.md).
      this.room.linkFailed(this, 'did not connect in time');
      return;
    }
    await this.updateStats();
  }

  async updateStats () {
    let report;
    try {
      report = await this.pc.getStats();
    } catch (e) {
      return;
    }
    const s = this.stats;
    const t = performance.now();
    let sent = 0; let received = 0; let lost = 0;
    report.forEach((r) => {
      if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') {
        if (r.currentRoundTripTime !== undefined) s.rtt = r.currentRoundTripTime * 1000;
      } else if (r.type === 'inbound-rtp') {
        received += r.bytesReceived || 0;
        lost += r.packetsLost || 0;
        if (r.kind === 'video') {
          s.framesDecoded = r.framesDecoded || 0;
          s.videoFps = r.framesPerSecond || 0;
        } else if (r.kind === 'audio') {
          s.audioLevel = r.audioLevel || 0;
          s.audioSamples = r.totalSamplesReceived || 0;
        }
      } else if (r.type === 'outbound-rtp') {
        sent += r.bytesSent || 0;
      }
    });
    if (this.lastStats) {
      const dt = (t - this.lastStats.t) / 1000;
      s.sentBps = Math.max(0, (sent - this.lastStats.sent) * 8 / dt);
      s.receivedBps = Math.max(0, (received - this.lastStats.received) * 8 / dt);
    }
    s.packetsLost = lost;
    this.lastStats = { t, sent, received };
    this.room.emit('stats', { peer: this.peer.id, stats: { ...s } });
    // What this peer sees of its links, for f2ftopology and other browsers.
    this.sendTopologyView();
  }

  sendTopologyView () {
    const ch = this.channels.get(TOPOLOGY);
    if (this.state !== 'connected') return;
    if (!ch) {
      this.openChannel(TOPOLOGY);
      return;
    }
    if (ch.readyState !== 'open') return;
    const links = [];
    for (const l of this.room.links.values()) {
      links.push({
        peer: l.peer.id,
        state: l.state,
        sent: Math.round(l.stats.sentBps),
        received: Math.round(l.stats.receivedBps),
        lossOut: 0.0,
        lossIn: 0.0,
        rtt: l.stats.rtt,
        jitter: -1.0
      });
      if (links.length === 64) break;
    }
    ch.send(JSON.stringify({ type: 'topology-view', links }));
  }

  // Gives each media sender what the room's plan says this link carries
  // (the camera and mic, or nothing): replaceTrack only, never a new offer
  // (docs/protocol.md, "What each link carries under a plan").
  // A sender that gets nothing is also made inactive: with no track,
  // Firefox still sent GstBlue a frame every few seconds in
  // browser/mixer; `active: false` stops the encoding in both browsers,
  // with no SDP change. Changes run one after the other per link, so that
  // quick plan changes end in the last one's state.
  applyFeed () {
    if (this.closed) return;
    this.feedChain = (this.feedChain || Promise.resolve()).then(async () => {
      for (const [kind, t] of Object.entries(this.media)) {
        if (this.closed || t.stopped || !t.sender) continue;
        const track = this.room.trackFor(this.peer.id, kind);
        try {
          if (t.sender.track !== track) await t.sender.replaceTrack(track);
          await setActive(t.sender, track !== null);
        } catch (e) {
          this.room.log(`link to ${this.peer.id}: ${kind} sender: ${e.message}`);
        }
      }
    });
  }

  close () {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const ch of this.channels.values()) {
      try { ch.close(); } catch (e) { /* closing anyway */ }
    }
    this.pc.close();
    this.setState('closed');
  }
}

/**
 * A room: the signaling connection and a link per remote peer. An
 * EventTarget; every event is a CustomEvent whose `detail` is described in
 * docs/browser.md.
 */
export class F2fRoom extends EventTarget {
  constructor ({ url, room, name, password = '', stream = null, iceServers = [], id = undefined } = {}) {
    super();
    this.url = url || defaultServerUrl();
    this.roomId = room;
    this.name = name;
    this.password = password;
    this.stream = stream;
    this.iceServers = iceServers;
    this.requestedId = id;
    this.id = null;
    this.order = 0;
    this.leader = null;
    this.peers = new Map();     // id → { id, name, order }
    this.links = new Map();     // id → F2fLink
    this.views = new Map();     // id → its topology-view links
    this.files = new Map();     // share id → { manifest, holders, ours, blob, state, bytes }
    this.transfers = new Map(); // transfer → download in progress
    this.uploads = new Set();
    this.plan = null;           // the topology plan adopted (f2fplan.js), or null: the mesh
    this.role = { role: ROLE.MESH, mixer: null };
    this.routes = new Map();    // peer id → { sends, use, shown } under the plan
    this.settleTimer = null;
    this.joined = false;
    this.left = false;
  }

  emit (type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  log (text) {
    this.emit('log', { text });
  }

  send (msg) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  /** Joins; resolves with the welcome, rejects with the server's message. */
  join () {
    return new Promise((resolve, reject) => {
      let settled = false;
      const ws = new WebSocket(this.url);
      this.ws = ws;
      ws.onopen = () => {
        const join = { type: 'join', version: PROTOCOL_VERSION, room: this.roomId, name: this.name };
        if (this.password) join.password = this.password;
        if (this.requestedId) join.id = this.requestedId;
        ws.send(JSON.stringify(join));
      };
      ws.onmessage = (e) => {
        let msg;
        try {
          msg = JSON.parse(e.data);
        } catch (err) {
          return;
        }
        if (!settled && msg.type === 'welcome') {
          settled = true;
          this.onWelcome(msg);
          resolve(msg);
        } else if (!settled && msg.type === 'error') {
          settled = true;
          const err = new Error(msg.message || msg.code);
          err.code = msg.code;
          this.emit('error', { code: msg.code, message: msg.message });
          reject(err);
        } else {
          this.onSignal(msg).catch((err) => this.log(`signal ${msg.type}: ${err.message}`));
        }
      };
      ws.onclose = (e) => {
        clearInterval(this.pingTimer);
        if (!settled) {
          settled = true;
          reject(new Error(`the server closed the connection (${e.code}${e.reason ? ': ' + e.reason : ''})`));
        }
        if (!this.left) this.emit('disconnected', { code: e.code, reason: e.reason });
      };
      ws.onerror = () => {
        if (!settled) {
          settled = true;
          reject(new Error(`cannot reach the signaling server at ${this.url}`));
        }
      };
    });
  }

  onWelcome (msg) {
    this.id = msg.id;
    this.leader = msg.leader;
    this.joined = true;
    const idle = (msg.idleTimeout || 20) * 1000;
    this.pingTimer = setInterval(() => this.send({ type: 'ping' }), Math.max(1000, idle / 3));
    for (const p of msg.peers) this.peers.set(p.id, p);
    this.applyRoutes();
    this.emit('joined', { id: msg.id, room: msg.room, leader: msg.leader, peers: msg.peers, protected: msg.protected });
    // The newcomer offers to everyone already there.
    for (const p of msg.peers) this.startLink(p, true);
  }

  startLink (peer, offerer) {
    this.links.get(peer.id)?.close();
    const link = new F2fLink(this, peer, offerer);
    this.links.set(peer.id, link);
    if (offerer) link.offer().catch((e) => this.linkFailed(link, `offer: ${e.message}`));
    return link;
  }

  async onSignal (msg) {
    switch (msg.type) {
      case 'peer-joined':
        this.peers.set(msg.peer.id, msg.peer);
        this.emit('peer-joined', { peer: msg.peer });
        this.applyRoutes();
        break;   // it offers to us
      case 'peer-left':
        this.peers.delete(msg.id);
        this.views.delete(msg.id);
        this.links.get(msg.id)?.close();
        this.links.delete(msg.id);
        for (const f of this.files.values()) f.holders.delete(msg.id);
        this.emit('peer-left', { id: msg.id, reason: msg.reason });
        // a mixer that left: its clients go to the mixers still here (the
        // mesh, with none left), by the plan's own rule, for everyone
        this.applyRoutes();
        break;
      case 'leader-changed':
        this.leader = msg.leader;
        this.emit('leader-changed', { leader: msg.leader });
        break;
      case 'offer': {
        const peer = this.peers.get(msg.from);
        if (!peer) return;
        const current = this.links.get(msg.from);
        // Crossing offers: the greater id keeps its offer (docs/protocol.md).
        if (current && current.pc.signalingState === 'have-local-offer' && this.id > msg.from) return;
        const link = this.startLink(peer, false);
        await link.handleOffer(msg.sdp);
        break;
      }
      case 'answer':
        await this.links.get(msg.from)?.handleAnswer(msg.sdp);
        break;
      case 'ice':
        await this.links.get(msg.from)?.handleCandidate(msg);
        break;
      case 'error':
        this.emit('error', { code: msg.code, message: msg.message });
        break;
      case 'app': {
        // f2f's own peer messages that must not wait for a link: a plan
        // that a gst peer sends a newcomer through the server before their
        // link is up (docs/protocol.md, "Plans"); other payloads are an
        // application's
        if (!this.peers.has(msg.from) || typeof msg.payload !== 'string') break;
        let inner;
        try { inner = JSON.parse(msg.payload); } catch { break; }
        if (inner && typeof inner === 'object' && inner.type === 'plan') this.onPlanFrom(msg.from, inner.plan);
        break;
      }
      default:
        break;
    }
  }

  // A failed link is rebuilt by the side that offers, a moment later: a
  // link that fails because its peer is leaving is not rebuilt for nothing
  // when the server's peer-left comes first.
  linkFailed (link, reason) {
    if (link.closed || this.links.get(link.peer.id) !== link) return;
    this.log(`link to ${link.peer.name} failed: ${reason}`);
    link.close();
    link.setState('failed', reason);
    const peer = link.peer;
    const weOffer = link.offerer || !link.controlOpen;
    setTimeout(() => {
      if (this.left || !this.peers.has(peer.id) || this.links.get(peer.id) !== link) return;
      if (weOffer) this.startLink(peer, true);
      else {
        // Wait for the peer's new offer; offer ourselves if none comes.
        const waiting = new F2fLink(this, peer, false);
        this.links.set(peer.id, waiting);
      }
    }, 1000);
  }

  /** Sends a chat message to every peer; returns how many links took it. */
  sendChat (text) {
    const bytes = new TextEncoder().encode(text);
    if (bytes.length === 0 || bytes.length > MAX_CHAT_BYTES) throw new Error(`a chat message is 1–${MAX_CHAT_BYTES} bytes`);
    const msg = { type: 'chat', text, time: Date.now() };
    let n = 0;
    for (const link of this.links.values()) {
      const ch = link.channels.get(CONTROL);
      if (ch?.readyState === 'open') {
        ch.send(JSON.stringify(msg));
        n++;
      }
    }
    this.emit('chat', { from: this.id, name: this.name, text, time: msg.time, self: true });
    return n;
  }

  /** Sends @stream's tracks instead (camera change, screen share), on the
   * links the plan gives the camera to. */
  setStream (stream) {
    this.stream = stream;
    for (const link of this.links.values()) link.applyFeed();
  }

  // ---- topology plans (docs/protocol.md, "Topology plans") ----

  /** Everyone in the room, us included: what the plan is evaluated against. */
  present () {
    return this.id ? [...this.peers.keys(), this.id] : [...this.peers.keys()];
  }

  /** The track of @kind our link to @peerId sends now, or null. */
  trackFor (peerId, kind) {
    const route = this.routes.get(peerId);
    if (route && !route.sends) return null;
    return this.stream?.getTracks().find((t) => t.kind === kind) || null;
  }

  // Whether our camera goes to @peerId under the plan (as a client: to
  // its mixer only). A browser never routes as a mixer: it declines such a
  // plan as it adopts it (declineMixing).
  wantsCamera (peerId) {
    const feed = feedOf(this.plan, this.id, peerId, this.present());
    return feed !== FEED.NONE;
  }

  /**
   * Makes every link carry what the plan says and tells the page what to
   * show: `routes` (and `role-changed` when our role moved). Called when a
   * plan is adopted, someone joins or leaves, the stream changes; cheap
   * when nothing moved.
   */
  applyRoutes () {
    if (!this.id) return;
    const present = this.present();
    const settling = this.settleTimer !== null;
    const routes = new Map();
    for (const id of this.peers.keys()) {
      const before = this.routes.get(id);
      let sends = this.wantsCamera(id);
      const use = useOf(this.plan, this.id, id, present);
      let shown = use !== USE.NONE;
      // Make before break: what stops goes on until the change settled.
      if (settling && before) {
        sends = sends || before.sends;
        shown = shown || before.shown;
      }
      routes.set(id, { sends, use, shown });
    }
    this.routes = routes;
    for (const link of this.links.values()) link.applyFeed();

    const role = roleOf(this.plan, this.id, present);
    if (role.role === ROLE.ABSENT) role.role = ROLE.MESH;
    if (role.role !== this.role.role || role.mixer !== this.role.mixer) {
      const previous = this.role;
      this.role = role;
      this.log(`role: ${role.role}${role.mixer ? ` of ${role.mixer}` : ''} (${describePlan(this.plan)})`);
      this.emit('role-changed', { role: role.role, mixer: role.mixer, previous: previous.role });
    }
    this.emit('routes', this.describeRoutes());
  }

  /** { role, mixer, plan, peers: { id: { sends, use, shown } } }. */
  describeRoutes () {
    const peers = {};
    for (const [id, r] of this.routes) peers[id] = { ...r };
    return { role: this.role.role, mixer: this.role.mixer, plan: this.plan, description: describePlan(this.plan), peers };
  }

  startSettling () {
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null;
      this.applyRoutes();
    }, SETTLE_MS);
  }

  // A plan a peer holds (its `plan` message): adopted when it supersedes
  // ours; a plan that does not parse or validate is dropped.
  onPlan (link, obj) {
    this.onPlanFrom(link.peer.id, obj);
  }

  onPlanFrom (from, obj) {
    let plan;
    try {
      plan = parsePlan(obj);
    } catch (e) {
      if (!(e instanceof PlanError)) throw e;
      this.log(`ignoring a plan from ${from}: ${e.message}`);
      return;
    }
    this.adoptPlan(plan, from);
  }

  adoptPlan (plan, from) {
    if (!supersedes(plan, this.plan, this.leader)) return false;
    this.plan = plan;
    this.emit('plan', { from, plan, description: describePlan(plan) });
    // Named as a mixer: the plan that replaces it is adopted (and routed)
    // at once, so the media never follow the one we decline.
    if (plan.mixers.includes(this.id)) {
      this.declineMixing(plan);
      return true;
    }
    this.startSettling();
    this.applyRoutes();
    return true;
  }

  // A browser does not mix (docs/browser.md, "Mixer topologies"): named as
  // a mixer, it asks the room for the same plan without it, one epoch up;
  // the plans' total order makes every peer adopt that (or a later one).
  declineMixing (plan) {
    const replacement = planWithout(plan, this.id, this.present());
    const reason = 'a browser cannot be a mixer: f2f.js sends one camera and shows what it receives, it does not composite video or mix audio';
    this.log(`named as a mixer in ${describePlan(plan)}: declining (${reason}); proposing ${describePlan(replacement)}`);
    this.emit('plan-declined', { plan, reason, replacement });
    this.publishPlan(replacement);
  }

  publishPlan (plan) {
    this.adoptPlan(plan, this.id);
    const text = JSON.stringify({ type: 'plan', plan: JSON.parse(planToJson(plan)) });
    for (const link of this.links.values()) {
      const ch = link.channels.get(CONTROL);
      if (ch?.readyState === 'open') ch.send(text);
    }
  }

  sendPlanTo (link) {
    if (!this.plan) return;
    link.sendJson(CONTROL, { type: 'plan', plan: JSON.parse(planToJson(this.plan)) });
  }

  /**
   * Proposes a plan to the room, as f2fsignal's propose-topology: @mixers
   * (peer ids; [] for the mesh), every other peer a client spread over them
   * in the order of their ids, one epoch above the plan held. Returns the
   * plan; throws a PlanError for a plan the room cannot have. Naming this
   * browser as a mixer is refused: it cannot mix.
   */
  proposeTopology (mixers = []) {
    if (!this.id) throw new PlanError('not in a room yet: no topology to propose');
    if (mixers.includes(this.id)) throw new PlanError('a browser cannot be a mixer');
    const present = this.present();
    const assign = {};
    if (mixers.length > 0) {
      present.filter((p) => !mixers.includes(p)).sort().forEach((c, i) => { assign[c] = mixers[i % mixers.length]; });
    }
    const plan = makePlan((this.plan?.epoch || 0) + 1, this.id, mixers, assign);
    validatePlan(plan, present);
    this.publishPlan(plan);
    return plan;
  }

  /** Peer id → a copy of its link's latest statistics. */
  linkStats () {
    const out = {};
    for (const [id, link] of this.links) out[id] = { ...link.stats, name: link.peer.name };
    return out;
  }

  /** The room's graph: nodes and edges (each peer's own view of its links). */
  topology () {
    const nodes = [{ id: this.id, name: this.name }];
    for (const p of this.peers.values()) nodes.push({ id: p.id, name: p.name });
    const edges = [];
    for (const [id, link] of this.links) {
      edges.push({ from: this.id, to: id, state: link.state, rtt: link.stats.rtt, bps: link.stats.receivedBps });
    }
    for (const [from, links] of this.views) {
      for (const l of links) {
        if (l.peer === this.id) continue;
        edges.push({ from, to: l.peer, state: l.state, rtt: l.rtt, bps: l.received });
      }
    }
    return { nodes, edges };
  }

  // ---- files (docs/protocol.md, "File sharing") ----

  /** Shares a File or Blob with the room; resolves with its share id. */
  async shareFile (file, name = file.name || 'file') {
    const sha256 = await sha256Hex(file);
    const manifest = {
      type: 'file-offer',
      id: randomId(16),
      name,
      size: file.size,
      sha256,
      'media-type': /^[\x20-\x7e]{1,255}$/.test(file.type) ? file.type : 'application/octet-stream',
      sharer: this.id,
      'sharer-name': this.name
    };
    this.files.set(manifest.id, { manifest, holders: new Set(), ours: true, blob: file, state: 'held', bytes: file.size });
    for (const link of this.links.values()) {
      if (link.controlOpen) link.sendJson(FILES, manifest);
    }
    this.emit('file-shared', { id: manifest.id, manifest });
    return manifest.id;
  }

  offerFilesTo (link) {
    for (const f of this.files.values()) {
      if (f.state === 'held') link.sendJson(FILES, { ...f.manifest, type: 'file-offer' });
    }
  }

  /** Asks a holder for an offered file; progress and the result come as events. */
  fetchFile (id) {
    const f = this.files.get(id);
    if (!f || f.ours || f.state === 'held' || f.state === 'downloading') return false;
    const holder = [...f.holders].find((h) => this.links.get(h)?.controlOpen);
    if (!holder) return false;
    f.state = 'downloading';
    f.bytes = 0;
    f.parts = [];
    f.started = performance.now();
    this.emit('file-progress', { id, bytes: 0, total: f.manifest.size });
    const transfer = this.requestFrom(id, holder);
    if (f.manifest.size === 0) this.finishDownload(transfer);
    return true;
  }

  // Asks @holder for the rest of a download (from the bytes we have).
  requestFrom (id, holder) {
    const transfer = crypto.getRandomValues(new Uint32Array(1))[0];
    this.transfers.set(transfer, { id, from: holder, lastChunkAt: performance.now() });
    this.links.get(holder).sendJson(FILES, { type: 'file-request', id, offset: this.files.get(id).bytes, transfer });
    if (!this.stallTimer) this.stallTimer = setInterval(() => this.checkStalls(), 1000);
    return transfer;
  }

  // A download that got nothing for FILE_STALL_MS (its holder left, its link
  // was rebuilt, its channel stalled) resumes from another holder, or the
  // same one, at the byte it stopped at.
  checkStalls () {
    const now = performance.now();
    for (const [transfer, t] of [...this.transfers]) {
      if (now - t.lastChunkAt < FILE_STALL_MS) continue;
      const f = this.files.get(t.id);
      const open = [...f.holders].filter((h) => this.links.get(h)?.controlOpen);
      const holder = open.find((h) => h !== t.from) || open[0];
      if (!holder) continue;
      this.transfers.delete(transfer);
      if (this.links.get(t.from)?.controlOpen) {
        this.links.get(t.from).sendJson(FILES, { type: 'file-cancel', transfer, reason: 'stalled' });
      }
      this.log(`download of ${f.manifest.name} stalled at ${f.bytes} bytes; asking ${this.peers.get(holder)?.name || holder}`);
      this.requestFrom(t.id, holder);
    }
    if (this.transfers.size === 0) {
      clearInterval(this.stallTimer);
      this.stallTimer = null;
    }
  }

  onFileMessage (link, msg) {
    if (msg.type === 'file-offer') {
      if (typeof msg.id !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(msg.id) ||
          !Number.isSafeInteger(msg.size) || msg.size < 0 ||
          typeof msg.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(msg.sha256) ||
          typeof msg.name !== 'string' || msg.name.length === 0) return;
      let f = this.files.get(msg.id);
      if (!f) {
        f = { manifest: msg, holders: new Set(), ours: false, state: 'offered', bytes: 0 };
        this.files.set(msg.id, f);
        f.holders.add(link.peer.id);
        this.emit('file-offered', { id: msg.id, manifest: msg, from: link.peer.id });
      } else {
        f.holders.add(link.peer.id);
      }
    } else if (msg.type === 'file-unshare') {
      this.files.get(msg.id)?.holders.delete(link.peer.id);
    } else if (msg.type === 'file-request') {
      this.upload(link, msg).catch((e) => this.log(`upload: ${e.message}`));
    } else if (msg.type === 'file-cancel') {
      this.uploads.delete(`${link.peer.id}/${msg.transfer}`);
      const t = this.transfers.get(msg.transfer);
      if (t && t.from === link.peer.id) this.failDownload(msg.transfer, msg.reason || 'the sender canceled');
    }
  }

  async upload (link, msg) {
    const f = this.files.get(msg.id);
    const transfer = msg.transfer >>> 0;
    if (!f || f.state !== 'held' || !f.blob || !Number.isSafeInteger(msg.offset) || msg.offset < 0) {
      link.sendJson(FILES, { type: 'file-cancel', transfer, reason: 'no such file here' });
      return;
    }
    const key = `${link.peer.id}/${transfer}`;
    this.uploads.add(key);
    const ch = link.openChannel(FILE_DATA);
    if (ch.readyState === 'connecting') await new Promise((resolve) => ch.addEventListener('open', resolve, { once: true }));
    ch.bufferedAmountLowThreshold = FILE_WINDOW / 2;
    let offset = msg.offset;
    const size = f.blob.size;
    while (offset < size && this.uploads.has(key) && ch.readyState === 'open') {
      if (ch.bufferedAmount > FILE_WINDOW) {
        // The event can come before the listener is there: look again
        // at least every 100 ms.
        await new Promise((resolve) => {
          const t = setTimeout(resolve, 100);
          ch.addEventListener('bufferedamountlow', () => { clearTimeout(t); resolve(); }, { once: true });
        });
        continue;
      }
      // Read 512 KiB at a time (a read per 64 KiB chunk halves the rate).
      const blockEnd = Math.min(size, offset + 8 * CHUNK_PAYLOAD);
      const block = await f.blob.slice(offset, blockEnd).arrayBuffer();
      for (let at = 0; at < block.byteLength && ch.readyState === 'open'; at += CHUNK_PAYLOAD) {
        const piece = block.slice(at, Math.min(block.byteLength, at + CHUNK_PAYLOAD));
        ch.send(packChunk(transfer, offset + at, piece));
      }
      offset = blockEnd;
      this.emit('upload-progress', { id: msg.id, peer: link.peer.id, bytes: offset, total: size });
    }
    this.uploads.delete(key);
  }

  onChunk (link, buffer) {
    const chunk = parseChunk(buffer);
    if (!chunk) return;
    const t = this.transfers.get(chunk.transfer);
    if (!t || t.from !== link.peer.id) return;
    const f = this.files.get(t.id);
    t.lastChunkAt = performance.now();
    if (chunk.offset !== f.bytes || f.bytes + chunk.payload.byteLength > f.manifest.size) {
      this.failDownload(chunk.transfer, 'a chunk arrived out of place');
      return;
    }
    f.parts.push(chunk.payload.slice());
    f.bytes += chunk.payload.byteLength;
    const now = performance.now();
    if (!f.lastEmit || now - f.lastEmit > 100 || f.bytes === f.manifest.size) {
      f.lastEmit = now;
      this.emit('file-progress', { id: t.id, bytes: f.bytes, total: f.manifest.size });
    }
    if (f.bytes === f.manifest.size) this.finishDownload(chunk.transfer);
  }

  async finishDownload (transfer) {
    const t = this.transfers.get(transfer);
    this.transfers.delete(transfer);
    const f = this.files.get(t.id);
    const blob = new Blob(f.parts, { type: f.manifest['media-type'] || 'application/octet-stream' });
    f.parts = null;
    const sha256 = await sha256Hex(blob);
    if (sha256 !== f.manifest.sha256) {
      f.state = 'failed';
      this.emit('file-failed', { id: t.id, reason: `'${f.manifest.name}' arrived damaged: its SHA-256 is ${sha256}, the sharer announced ${f.manifest.sha256}` });
      return;
    }
    f.blob = blob;
    f.state = 'held';
    const seconds = (performance.now() - f.started) / 1000;
    this.emit('file-received', { id: t.id, name: f.manifest.name, blob, sha256, seconds });
    // Now a holder too: others may fetch it from here.
    for (const link of this.links.values()) {
      if (link.controlOpen) link.sendJson(FILES, { ...f.manifest, type: 'file-offer' });
    }
  }

  failDownload (transfer, reason) {
    const t = this.transfers.get(transfer);
    if (!t) return;
    this.transfers.delete(transfer);
    const f = this.files.get(t.id);
    f.state = 'failed';
    f.parts = null;
    this.links.get(t.from)?.sendJson(FILES, { type: 'file-cancel', transfer, reason });
    this.emit('file-failed', { id: t.id, reason });
  }

  /** Leaves the room: tells the server, closes every link. */
  leave () {
    if (this.left) return;
    this.left = true;
    this.send({ type: 'leave' });
    clearInterval(this.pingTimer);
    clearInterval(this.stallTimer);
    clearTimeout(this.settleTimer);
    for (const link of this.links.values()) link.close();
    this.links.clear();
    try { this.ws?.close(1000); } catch (e) { /* gone already */ }
    this.emit('left', {});
  }
}
