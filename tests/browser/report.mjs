// The after-action report's HTML page (rangectl report --html) in
// headless Chromium (Debian's), driven by playwright-core.
//
// usage: node tests/browser/report.mjs PAGE.html REPORT.json OUT.png
//
// REPORT.json is `rangectl report --json` of the same state folder: what
// the page must show. Opens the page by its file:// URL and checks that it
// asks for nothing but itself, shows the exercise's title, each team with
// its score, the chart with one line per team, the MSEL with each inject,
// every incident report's title as written (text, never markup), runs no
// script, fits a projector's width and hides its contents list in print.
// Prints "ok ..." or "FAIL ..." per check, ends with "N passed, M failed",
// and saves a full-page screenshot into OUT.png.
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [pagePath, jsonPath, out] = process.argv.slice(2);
if (!pagePath || !jsonPath || !out) {
	console.error('usage: node report.mjs PAGE.html REPORT.json OUT.png');
	process.exit(2);
}
const report = JSON.parse(readFileSync(jsonPath, 'utf8'));
const url = pathToFileURL(resolve(pagePath)).href;
const label = pagePath.split('/').pop();
mkdirSync(dirname(resolve(out)), { recursive: true });

let passed = 0, failed = 0;
const ok = (name) => { passed++; console.log(`ok ${label}: ${name}`); };
const fail = (name, why) => {
	failed++;
	console.log(`FAIL ${label}: ${name}`);
	if (why) for (const l of String(why).split('\n').slice(0, 8)) console.log(`#   ${l}`);
};

/* Runs one check; an exception or a false result fails it. */
async function check(name, fn) {
	try {
		const r = await fn();
		if (r === false) fail(name);
		else ok(name);
	} catch (e) {
		fail(name, e && e.message ? e.message : e);
	}
}

function assert(cond, msg) {
	if (!cond) throw new Error(msg);
}

/* A score as the page writes it: a true minus sign when negative. */
const points = (n) => (n < 0 ? `\u2212${-n}` : `${n}`);

const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
		'--disable-gpu', '--no-first-run', '--disable-sync'],
});
try {
	const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, reducedMotion: 'reduce' });
	const page = await ctx.newPage();
	page.setDefaultTimeout(10000);
	const requests = [], dialogs = [], errors = [], messages = [];
	page.on('request', (r) => requests.push(r.url()));
	page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
	page.on('pageerror', (e) => errors.push(e.message));
	page.on('console', (m) => messages.push(m.text()));
	/* Whatever the page might ask for beyond itself never leaves. */
	await ctx.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
	await page.goto(url, { waitUntil: 'load' });
	await page.waitForTimeout(300);

	const ex = report.exercise;
	const title = ex.title ?? ex.name;
	const teams = report.teams;

	await check('the page asks for nothing but its own file', async () => {
		assert(requests.length === 1 && requests[0] === url, `requests: ${requests.join(', ')}`);
	});
	await check(`the title is shown: ${title}`, async () => {
		const h1 = page.locator('h1');
		assert(await h1.isVisible(), 'no visible h1');
		assert((await h1.textContent()) === title, `h1 says ${await h1.textContent()}`);
		assert((await page.title()) === `After-action report: ${title}`, `title is ${await page.title()}`);
	});
	await check(`each of the ${teams.length} teams is in the scores table with its score`, async () => {
		const rows = page.locator('table.scores tbody tr');
		assert((await rows.count()) === teams.length, `${await rows.count()} rows`);
		for (const t of teams) {
			const row = rows.filter({ has: page.locator('span.id', { hasText: new RegExp(`^${t.id}$`) }) });
			assert(await row.isVisible(), `no visible row for ${t.id}`);
			const score = await row.locator('td.score').textContent();
			assert(score === points(t.score), `${t.id}: ${score}, expected ${points(t.score)}`);
		}
	});
	await check('the chart is visible, with one line per team', async () => {
		if (report.rounds.length === 0) {
			assert(await page.getByText('No scoring round ran').isVisible(), 'no chart and no word why');
			return;
		}
		const chart = page.locator('svg.chart');
		assert(await chart.isVisible(), 'no visible chart');
		const lines = chart.locator('polyline');
		assert((await lines.count()) === teams.length, `${await lines.count()} lines`);
		for (const t of teams) {
			const line = chart.locator(`polyline[data-team="${t.id}"]`);
			assert((await line.count()) === 1, `no line for ${t.id}`);
			const box = await line.boundingBox();
			assert(box && box.width > 100, `${t.id}'s line is ${box ? box.width : 0} px wide`);
		}
		const dashes = await lines.evaluateAll((ls) => ls.map((l) => l.getAttribute('stroke-dasharray') || ''));
		assert(new Set(dashes).size === Math.min(teams.length, 7), `dash patterns: ${dashes.join(' | ')}`);
	});
	await check('the legend names each team', async () => {
		for (const t of teams) {
			const item = page.locator('ul.legend li', { has: page.locator('span.id', { hasText: new RegExp(`^${t.id}$`) }) });
			assert(await item.isVisible(), `no legend for ${t.id}`);
		}
	});
	await check(`the MSEL table is visible, with each of the ${report.injects.length} injects`, async () => {
		const msel = page.locator('table.msel');
		assert(await msel.isVisible(), 'no visible MSEL table');
		assert((await msel.locator('tbody').count()) === report.injects.length, 'one tbody per inject');
		for (const inj of report.injects) {
			const cell = msel.locator('td.inject strong', { hasText: new RegExp(`^${inj.id}$`) });
			assert(await cell.isVisible(), `no visible inject ${inj.id}`);
		}
	});
	await check("every incident report's title reads as it was written", async () => {
		for (const r of report.reports) {
			const cell = page.locator('table.reports strong').filter({ hasText: r.title });
			assert(await cell.isVisible(), `no visible title ${r.title}`);
			assert((await cell.first().textContent()) === r.title, `shown as ${await cell.first().textContent()}`);
		}
	});
	await check('nothing ran: no dialog, no script, no error, no console message', async () => {
		assert(dialogs.length === 0, `dialogs: ${dialogs.join(', ')}`);
		assert(errors.length === 0, `errors: ${errors.join(', ')}`);
		assert(messages.length === 0, `console: ${messages.join(', ')}`);
		assert((await page.locator('script, iframe, img, object, embed, link').count()) === 0, 'an element that runs or fetches');
	});
	await check('it fits the width of a 1024-pixel projector', async () => {
		await page.setViewportSize({ width: 1024, height: 768 });
		const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth,
			document.documentElement.clientWidth]);
		assert(scroll <= client, `${scroll} px wide in ${client}`);
	});
	await check('in print, the contents list is hidden and the chart and tables stay', async () => {
		await page.emulateMedia({ media: 'print' });
		assert(!(await page.locator('nav').isVisible()), 'the contents list shows in print');
		const tables = page.locator('table.scores');
		const count = await tables.count();
		assert(count > 0, 'no scores table');
		for (let i = 0; i < count; i++)
			assert(await tables.nth(i).isVisible(), `scores table ${i + 1} of ${count} is hidden in print`);
		if (report.rounds.length > 0)
			assert(await page.locator('svg.chart').isVisible(), 'no chart in print');
		await page.emulateMedia({ media: 'screen' });
	});
	await check(`a full-page screenshot: ${out}`, async () => {
		await page.setViewportSize({ width: 1366, height: 900 });
		await page.screenshot({ path: out, fullPage: true });
	});
} catch (e) {
	fail('the browser', e && e.message ? e.message : e);
} finally {
	await browser.close().catch(() => {});
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
