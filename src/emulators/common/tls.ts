import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A certificate and its private key, PEM. */
export interface TlsMaterial {
  key: string;
  cert: string;
}

let certificate: Promise<TlsMaterial> | undefined;

/**
 * EMULATOR-ONLY self-signed certificate (SAN localhost and 127.0.0.1, a CA so clients can trust it
 * as their anchor), made with the openssl CLI once per process and shared by the emulators that
 * speak https (EWS, Graph, BTP). Clients trust it explicitly (each emulator exports its PEM), never
 * globally. One per process because a 2048-bit key costs a noticeable share of an emulator's start,
 * and tests start many.
 */
export function selfSignedCertificate(): Promise<TlsMaterial> {
  certificate ??= generate().catch((error: unknown) => {
    certificate = undefined;
    throw error;
  });
  return certificate;
}

async function generate(): Promise<TlsMaterial> {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-emulator-tls-'));
  try {
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-sha256',
      '-days',
      '3650',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-subj',
      '/CN=localhost/O=Tandem emulator (test only)',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
    ]);
    return { key: await readFile(join(dir, 'key.pem'), 'utf8'), cert: await readFile(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A server on one port that speaks http and https; `close` ends its open connections too. */
export interface DualProtocolServer {
  server: net.Server;
  close: () => Promise<void>;
}

/**
 * One port, two protocols: msal-node and xssec insist on an https authority, while tests and curl
 * like plain http. The first byte of a connection tells them apart (0x16 = TLS handshake record).
 */
export function dualProtocolServer(handler: http.RequestListener, tls: TlsMaterial): DualProtocolServer {
  const plain = http.createServer({ keepAlive: true }, handler);
  const secure = https.createServer({ ...tls }, handler);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A peer that resets before its first byte must not crash the process (no listener = throw).
    socket.on('error', () => socket.destroy());
    const peek = (): void => {
      const first = socket.read(1) as Buffer | null;
      if (!first) {
        socket.once('readable', peek);
        return;
      }
      socket.unshift(first);
      (first[0] === 0x16 ? secure : plain).emit('connection', socket);
    };
    socket.once('readable', peek);
  });
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        plain.close();
        secure.close();
        server.close(() => resolve());
      }),
  };
}
