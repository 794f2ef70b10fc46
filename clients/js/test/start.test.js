// Starting the binary: the emulator answers when start resolves, close stops the process, a
// binary that cannot start says why; and the admin token.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, connectOrStart, FileemuError, start } from '../index.js';
import net from 'node:net';
import { binary } from './emulator.js';

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code !== 'ESRCH';
  }
};

test('start waits for health; close stops the process', async () => {
  const emu = await start({ bin: binary() });
  assert.match(emu.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(alive(emu.pid));
  // Answering right away: start resolved only once the health check did.
  const r = await fetch(`${emu.url}/__admin/health`);
  assert.equal(r.status, 200);
  await emu.close();
  assert.equal(alive(emu.pid), false, 'the process is gone after close');
  await assert.rejects(fetch(`${emu.url}/__admin/health`));
  await emu.close(); // twice is harmless
});

test('args reach serve; the admin token is sent by the client', async () => {
  const emu = await start({ bin: binary(), token: 'sekret', args: ['--seed', '3'] });
  try {
    const s = await emu.session('token');
    assert.equal((await s.state()).session, s.id);
    await s.close();
    const stranger = await connect(emu.url); // health needs no token
    await assert.rejects(stranger.admin.createSession('x'), (err) => err instanceof FileemuError && err.status === 401);
    const friend = await connect(emu.url, { token: 'sekret' });
    await (await friend.session('friend')).close();
  } finally {
    await emu.close();
  }
});

test('a binary that cannot start says why', async () => {
  await assert.rejects(start({ bin: '/nonexistent/fileemu' }), /start \/nonexistent\/fileemu: not found/);
  await assert.rejects(start({ bin: binary(), args: ['--max-body-size', 'lots'] }), (err) => {
    assert.match(err.message, /exited \(status \d+\) before listening/);
    assert.match(err.message, /lots/, 'the log tail names the bad flag');
    return true;
  });
});

test('connectOrStart takes FILEEMU_URL when set', async () => {
  const emu = await start({ bin: binary() });
  const saved = process.env.FILEEMU_URL;
  try {
    process.env.FILEEMU_URL = emu.url;
    const other = await connectOrStart();
    assert.equal(other.url, emu.url);
    assert.equal(other.pid, undefined, 'connected, not started');
    await other.close();
    assert.ok(alive(emu.pid));
  } finally {
    if (saved === undefined) delete process.env.FILEEMU_URL;
    else process.env.FILEEMU_URL = saved;
    await emu.close();
  }
});

test('args may choose the address and the log format', async () => {
  const port = await new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = srv.address();
      srv.close(() => resolve(p));
    });
  });
  const emu = await start({ bin: binary(), args: [`--addr=127.0.0.1:${port}`, '--log-level', 'warn'] });
  try {
    assert.equal(emu.url, `http://127.0.0.1:${port}`);
    assert.equal((await emu.admin.health()).status, 'ok');
  } finally {
    await emu.close();
  }
  const text = await start({ bin: binary(), args: ['--log-format', 'text'] });
  try {
    assert.match(text.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await text.admin.health()).status, 'ok');
  } finally {
    await text.close();
  }
});
