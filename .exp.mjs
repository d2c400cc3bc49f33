import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox','--disable-gpu','--allow-file-access-from-files'] });
const ctx = await b.newContext();
const page = await ctx.newPage();
await page.route('**/*', async (r) => {
  const u = r.request().url();
  if (u.startsWith('file:')) {
    const path = decodeURIComponent(new URL(u).pathname);
    try { const body = readFileSync(path); return r.fulfill({ status: 200, body, headers: { 'content-type': path.endsWith('.js') ? 'text/javascript' : path.endsWith('.css') ? 'text/css' : path.endsWith('.html') ? 'text/html' : 'application/octet-stream', 'content-security-policy': "default-src 'self'; script-src 'self'" } }); } catch { return r.abort('filenotfound'); }
  }
  console.log('nav?', r.request().isNavigationRequest(), u);
  return r.abort('blockedbyclient');
});
page.on('console', (m) => console.log('console', m.type(), m.text()));
page.on('popup', (p) => console.log('popup', p.url()));
await page.goto('file:///work/wt/desktop-ipc/dist/renderer/index.html#/dashboard');
await page.waitForTimeout(1000);
console.log((await page.evaluate(() => document.body.innerHTML)).slice(0, 200));
console.log(await page.evaluate(() => { const s = document.createElement('script'); s.textContent = 'window.__inline = 1'; document.body.appendChild(s); return window.__inline; }));
await page.evaluate(() => { window.open('https://example.com/x'); });
await page.waitForTimeout(500);
try { await page.evaluate(() => { location.href = 'https://example.com/'; }); await page.waitForTimeout(500); } catch (e) { console.log('nav err', e.message); }
console.log('url after', page.url());
await b.close();
