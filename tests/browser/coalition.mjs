// The dashboard's Coalition panel in headless Chromium (Debian's), driven
// by playwright-core, against a running `rangectl run` of
// tests/engine/intel.yaml (circles west: ro+ua, east: md+ua), its clock
// started.
//
// usage: node tests/browser/coalition.mjs BASE_URL CREDENTIALS_JSON SCREENSHOT_DIR
//
// ana (ro) records an observation through the panel's form at TLP:AMBER;
// it appears, live and without a reload, in her list and in olena's (ua,
// her ally in circle west), and never in ion's (md: no circle with ro) nor
// on eve's page (red: no panel at all). Then olena shares one at
// TLP:CLEAR, which ana and ion see live. Prints "ok ..." or "FAIL ..." per
// check and ends with "N passed, M failed"; a screenshot per person.
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loginWithToken } from './login.mjs';

const [base, credPath, shots] = process.argv.slice(2);
if (!base || !credPath || !shots) {
	console.error('usage: node coalition.mjs BASE_URL CREDENTIALS_JSON SCREENSHOT_DIR');
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
for (const who of ['ana', 'olena', 'ion', 'eve']) {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
	const page = await ctx.newPage();
	page.setDefaultTimeout(10000);
	page.on('pageerror', (e) => pageErrors.push(`${who}: ${e.message}`));
	await loginWithToken(page, baseUrl, creds[who]);
	pages[who] = page;
}
const items = (who) => pages[who].locator('#intel-list > li');
const ids = async (who) => items(who).evaluateAll((els) => els.map((e) => e.dataset.intel));

await check('the Coalition panel shows to blue trainees', async () => {
	for (const who of ['ana', 'olena', 'ion'])
		await pages[who].locator('#coalition').waitFor({ state: 'visible' });
});
await check('and not to red', async () => {
	await pages.eve.waitForTimeout(1000);
	return await pages.eve.locator('#coalition').isHidden();
});

await check('ana records an observation through the form at TLP:AMBER', async () => {
	const p = pages.ana;
	await p.getByLabel(/^Indicators/).fill('ipv4 203.0.113.9\nsha256 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08');
	await p.getByLabel(/ATT&CK technique/).fill('T1491.002');
	await p.getByLabel('TLP', { exact: true }).selectOption('TLP:AMBER');
	await p.getByLabel(/^Notes/).fill('defaced from this address');
	await p.getByRole('button', { name: 'Record and share' }).click();
	await p.locator('#intel-list > li[data-intel="ro-o1"]').waitFor();
});
await check('her list shows it, its indicators normalized', async () => {
	const t = (await items('ana').first().textContent()).replace(/\s+/g, ' ');
	if (!t.includes('TLP:AMBER') || !t.includes('203.0.113.9') || !t.includes('9f86d081') || !t.includes('T1491.002'))
		throw new Error(t);
});
await check('olena (ua, ally in circle west) sees it live, without a reload', async () => {
	await pages.olena.locator('#intel-list > li[data-intel="ro-o1"]').waitFor({ timeout: 8000 });
	const t = await pages.olena.locator('#intel-list > li[data-intel="ro-o1"]').textContent();
	if (!t.includes('Romania') || !t.includes('defaced from this address')) throw new Error(t);
});
await check('ion (md, no circle with ro) never gets it', async () => {
	await pages.ion.waitForTimeout(2000);
	const got = await ids('ion');
	if (got.includes('ro-o1')) throw new Error(`ion has ${got}`);
	return await pages.ion.locator('#intel-empty').isVisible();
});
await check('eve (red) has no trace of it on her page', async () => {
	const html = await pages.eve.content();
	return !html.includes('203.0.113.9') && !html.includes('ro-o1');
});

await check('olena shares one at TLP:CLEAR', async () => {
	const p = pages.olena;
	await p.getByLabel(/^Indicators/).fill('domain Evil.Example');
	await p.getByLabel('TLP', { exact: true }).selectOption('TLP:CLEAR');
	await p.getByRole('button', { name: 'Record and share' }).click();
	await p.locator('#intel-list > li[data-intel="ua-o1"]').waitFor();
});
await check('ana and ion see it live, newest first', async () => {
	for (const who of ['ana', 'ion'])
		await pages[who].locator('#intel-list > li[data-intel="ua-o1"]').waitFor({ timeout: 8000 });
	const a = await ids('ana'), i = await ids('ion');
	if (a.join(' ') !== 'ua-o1 ro-o1' || i.join(' ') !== 'ua-o1') throw new Error(`ana ${a}, ion ${i}`);
});
await check('a line that is not a type and a value is refused on the page', async () => {
	const p = pages.ion;
	await p.getByLabel(/^Indicators/).fill('justoneword');
	await p.getByRole('button', { name: 'Record and share' }).click();
	await p.locator('#alert').waitFor({ state: 'visible' });
	return (await ids('ion')).join(' ') === 'ua-o1';
});
await check('no page raised an error', () => {
	if (pageErrors.length) throw new Error(pageErrors.join('\n'));
});
for (const who of Object.keys(pages))
	await pages[who].screenshot({ path: join(shots, `coalition-${who}.png`), fullPage: true });
await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
