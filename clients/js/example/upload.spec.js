// A page uploads a file from an <input type=file> the way a front end does with Haufe: it asks
// for a presigned URL, then PUTs the file there. The test gets its own fileemu session from the
// fixture, points the page at it, and asserts what the emulator saw.

import http from 'node:http';
import { createHash } from 'node:crypto';
import { test as fileemuTest, expect } from '@fileemu/testing/playwright';

const page = `<!doctype html>
<title>upload</title>
<input type="file" id="file"> <button id="send">Upload</button>
<p id="out"></p>
<script>
  const haufe = new URLSearchParams(location.search).get('haufe');
  document.getElementById('send').onclick = async () => {
    const out = document.getElementById('out');
    const file = document.getElementById('file').files[0];
    const r = await fetch(haufe + '/v1/files/signed-url?filename=' + encodeURIComponent(file.name), {
      headers: { 'api-key': 'my-key', 'user-id': '497f6eca-6276-4993-bfeb-53cbbbba6f08' },
    });
    const { file_id, file_url } = await r.json();
    const put = await fetch(file_url, { method: 'PUT', body: file });
    out.textContent = put.ok ? 'uploaded ' + file_id : 'failed ' + put.status;
  };
</script>`;

// The page is served by the test, on an origin of its own (the emulator is another: CORS).
const test = fileemuTest.extend({
  site: [
    async ({}, use) => {
      const server = http.createServer((req, res) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(page);
      });
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      await use(`http://127.0.0.1:${server.address().port}`);
      await new Promise((resolve) => server.close(resolve));
    },
    { scope: 'worker' },
  ],
});

test('a page uploads a file to a Haufe presigned URL', async ({ page: browser, site, fileemuSession }) => {
  await browser.goto(`${site}/?haufe=${encodeURIComponent(fileemuSession.url('haufe'))}`);
  await browser.setInputFiles('#file', { name: 'report.txt', mimeType: 'text/plain', buffer: Buffer.from('Quarterly report') });
  await browser.click('#send');
  await expect(browser.locator('#out')).toHaveText(/^uploaded [0-9a-f-]{36}$/);

  await fileemuSession.assertCalled('getSignedUrl', 1);
  await fileemuSession.assertCalled('putObject', 1);
  const [put] = await fileemuSession.requests({ operation: 'putObject' });
  expect(put.status).toBe(200);
  expect(put.body_size).toBe(16);
  expect(put.body_sha256).toBe(createHash('sha256').update('Quarterly report').digest('hex'));
  expect(put.headers.Origin).toBe(site);
  const state = await fileemuSession.state();
  expect(state.objects.map((o) => o.name)).toEqual([expect.stringMatching(/report\.txt$/)]);
});

test('each test has a session of its own', async ({ fileemuSession }) => {
  expect(await fileemuSession.count()).toBe(0);
});
