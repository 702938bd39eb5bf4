// The coalition's inject × nation matrix in the dashboard (issue 14,
// point 6), in headless Chromium (Debian's) driven by playwright-core,
// against a running `rangectl run` of tests/engine/detect.yaml, its
// clock started.
//
// usage: node tests/browser/detection.mjs BASE_URL CREDENTIALS_JSON RED_ADDRESS SCREENSHOT_DIR
//
// prof (an instructor) watches the matrix fill in, live: wave1-ua hits
// Ukraine and its cell says missed; oksana (ua) then shares red's address
// at TLP:AMBER through the API, and the cell turns to detected and
// shared without a reload, while Romania's wave2-ro is still to come.
// ana (a trainee) has no matrix on her page, and the API refuses her the
// figures. Prints "ok ..." or "FAIL ..." per check, "N passed, M failed".
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loginWithToken } from './login.mjs';

const [base, credPath, redAddress, shots] = process.argv.slice(2);
if (!base || !credPath || !redAddress || !shots) {
	console.error('usage: node detection.mjs BASE_URL CREDENTIALS_JSON RED_ADDRESS SCREENSHOT_DIR');
	process.exit(2);
}
mkdirSync(shots, { recursive: true });
const baseUrl = base.endsWith('/') ? base : `${base}/`;
const creds = JSON.parse(readFileSync(credPath, 'utf8'));

let passed = 0, failed = 0;
async function check(name, fn) {
	try {
		const r = await fn();
		if (r === false) throw new Error('false');
		passed++;
		console.log(`ok ${passed + failed} ${name}`);
	} catch (e) {
		failed++;
		console.log(`FAIL ${passed + failed} ${name}`);
		for (const l of String(e && e.message ? e.message : e).split('\n').slice(0, 6)) console.log(`#   ${l}`);
	}
}

const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
		'--disable-gpu', '--no-first-run', '--disable-sync'],
});
const pageErrors = [];
const pages = {};
for (const who of ['prof', 'ana']) {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 1000 }, reducedMotion: 'reduce' });
	const page = await ctx.newPage();
	page.setDefaultTimeout(15000);
	page.on('pageerror', (e) => pageErrors.push(`${who}: ${e.message}`));
	await loginWithToken(page, baseUrl, creds[who]);
	pages[who] = page;
}
const cell = (inject, team) =>
	pages.prof.locator(`#detection-rows tr[data-inject="${inject}"] td[data-team="${team}"]`);

await check('the instructor sees the matrix, one column a nation', async () => {
	await pages.prof.locator('#detection').waitFor({ state: 'visible' });
	const heads = await pages.prof.locator('#detection-head th').allTextContents();
	if (heads.join(' ') !== 'Inject ro md ua') throw new Error(`heads: ${heads}`);
});
await check('wave1-ua hits Ukraine: its cell says missed, live', async () => {
	await cell('wave1-ua', 'ua').filter({ hasText: 'missed' }).waitFor({ timeout: 60000 });
	return (await cell('wave1-ua', 'ro').textContent()) === '–';
});
await check("Romania's wave2-ro is not yet", async () =>
	(await cell('wave2-ro', 'ro').textContent()) === 'not yet');
await check('oksana shares red\'s address at TLP:AMBER through the API: 201', async () => {
	const r = await fetch(`${baseUrl}api/v1/intel`, {
		method: 'POST',
		headers: { Authorization: `Bearer ${creds.oksana}`, 'Content-Type': 'application/json' },
		body: JSON.stringify({ tlp: 'TLP:AMBER', indicators: [{ type: 'ipv4', value: redAddress }] }),
	});
	if (r.status !== 201) throw new Error(`status ${r.status}: ${await r.text()}`);
});
await check('the cell turns to detected and shared without a reload', async () => {
	await cell('wave1-ua', 'ua').filter({ hasText: /^D \d+:\d\d S 0:00$/ }).waitFor({ timeout: 15000 });
	return (await cell('wave1-ua', 'ua').getAttribute('class')).includes('detected');
});
await check("Ukraine's row counts one detection and one share", async () => {
	const row = pages.prof.locator('#detection-team-rows tr[data-team="ua"] td');
	const v = await row.allTextContents();
	if (v[0] !== '1' || v[2] !== '1') throw new Error(`ua: ${v}`);
});
await check('ana (a trainee) has no matrix on her page', async () =>
	!(await pages.ana.locator('#detection').isVisible()));
await check('the API refuses ana the figures: 403', async () => {
	const r = await fetch(`${baseUrl}api/v1/coalition`, { headers: { Authorization: `Bearer ${creds.ana}` } });
	return r.status === 403;
});
await check('no page raised an error', () => {
	if (pageErrors.length) throw new Error(pageErrors.join('\n'));
});
await pages.prof.locator('#detection').screenshot({ path: join(shots, 'detection-matrix.png') });
for (const who of Object.keys(pages))
	await pages[who].screenshot({ path: join(shots, `detection-${who}.png`), fullPage: true });
await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
