// Compiled by types.test.js with tsc --noEmit: the types let a TypeScript test use every
// operation, and refuse what the client does not take.
import { apiPath, connect, connectOrStart, FileemuError, start, type Emulator, type Request, type Session } from '@fileemu/testing';
import { test, expect } from '@fileemu/testing/playwright';

async function use(emu: Emulator): Promise<void> {
  const s: Session = await emu.session('types');
  const base: string = s.url('haufe') + apiPath('desk');
  const rs: Request[] = await s.requests({ operation: 'getSignedUrl', status: 200 });
  const n: number = await s.count({ api: 's3' });
  await s.assertCalled('putObject', 1);
  const names: string[] = await s.loadScenarioText('scenarios: []');
  await s.activateScenarios('outage');
  await s.loadFixtures('fixtures.yaml');
  await s.seed({ weavy: { apps: 1, files: 2 }, seed: 7 });
  const archive: Uint8Array = await s.snapshot();
  await s.restore(archive);
  await emu.admin.snapshotTo(s.id, process.stdout);
  const kept: Session = await emu.resume('kept');
  void kept;
  const now: Date = await s.clock.advance('25h');
  await s.clock.set(new Date());
  const moved: boolean = (await s.clock.state()).moved;
  const stream = await s.follow({ operation: 'putObject' });
  for await (const ev of stream) if (ev.request?.body_sha256) break;
  await emu.admin.clock.reset();
  try {
    await s.reset();
  } catch (err) {
    if (err instanceof FileemuError) console.log(err.status, err.code, err.problems);
  }
  await s.close();
  void [base, rs, n, names, now, moved];
  // @ts-expect-error: filters are named as the journal names them
  await s.requests({ operationId: 'x' });
  // @ts-expect-error: assertCalled wants a count
  await s.assertCalled('putObject');
}

test('typed fixture', async ({ fileemuSession, fileemu }) => {
  expect(fileemuSession.url('weavy')).toContain(fileemu.url);
});

void use;
void connect('http://127.0.0.1:8080', { token: 't' });
void start({ image: 'fileemu:dev' });
void connectOrStart({ bin: 'fileemu', args: ['--seed', '1'] });
