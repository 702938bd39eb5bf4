// A red trainee's flag panel in the dashboard (issue 13), in headless
// Chromium (Debian's) driven by playwright-core, against a running
// `rangectl run` of tests/engine/flags.yaml, its clock started.
//
// usage: node tests/browser/flags.mjs BASE_URL STATE_DIR PLAN_JSON SCREENSHOT_DIR
//
// eve (red) submits a wrong flag in #flag-panel: the page refuses it with
// an answer that names no flag, host or team, and red's score stays. The
// test, playing white, reads the current value of ro's db flag from the
// journal (its `flag` event) and eve submits it: the page says so, and
// red's score line on the scoreboard rises by the flag's points (its
// total and its Flags column), without a reload. ana (blue) has no flag
// panel. Prints "ok ..." or "FAIL ..." per check, "N passed, M failed".
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loginWithToken } from './login.mjs';

const [base, stateDir, planPath, shots] = process.argv.slice(2);
if (!base || !stateDir || !planPath || !shots) {
	console.error('usage: node flags.mjs BASE_URL STATE_DIR PLAN_JSON SCREENSHOT_DIR');
	process.exit(2);
}
mkdirSync(shots, { recursive: true });
const baseUrl = base.endsWith('/') ? base : `${base}/`;
const creds = JSON.parse(readFileSync(join(stateDir, 'credentials.json'), 'utf8'));
/* The flag the test submits, as the plan has it: its points. */
const dbPlan = JSON.parse(readFileSync(planPath, 'utf8')).flags.find((f) => f.id === 'db' && f.host === 'flg-ro-web');
if (!dbPlan || !(dbPlan.points > 0)) {
	console.error('the plan has no db flag on flg-ro-web with points');
	process.exit(2);
}

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
function expect(what, got, want) {
	if (got !== want) throw new Error(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

/* The journal's events, as white reads them from the state folder. */
function journal() {
	return readFileSync(join(stateDir, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}
/* ro's db flag's current event (never rotated): waits up to 15 s for it. */
async function dbFlag() {
	for (let i = 0; i < 150; i++) {
		const ev = journal().filter((e) => e.type === 'flag' && e.flag === 'db' && e.host === 'flg-ro-web').pop();
		if (ev) return ev;
		await sleep(100);
	}
	throw new Error('no flag event for db on flg-ro-web in the journal');
}

const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
		'--disable-gpu', '--no-first-run', '--disable-sync'],
});
const pageErrors = [];
const pages = {};
for (const who of ['eve', 'ana']) {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 1000 }, reducedMotion: 'reduce' });
	const page = await ctx.newPage();
	page.setDefaultTimeout(15000);
	page.on('pageerror', (e) => pageErrors.push(`${who}: ${e.message}`));
	await loginWithToken(page, baseUrl, creds[who]);
	pages[who] = page;
}
const eve = pages.eve;
const redCell = (col) => eve.locator(`#score-rows tr[data-team="red"] td[data-col="${col}"]`);
/* "1,234", "+100", "−30" (a minus sign): the number shown. */
const shown = async (col) => {
	const t = (await redCell(col).textContent()).replace('−', '-').replace(/[^0-9-]/g, '');
	if (!/^-?\d+$/.test(t)) throw new Error(`red's ${col} shows ${JSON.stringify(t)}`);
	return Number(t);
};

let flag = null;
await check("white reads ro's db flag from the journal", async () => {
	flag = await dbFlag();
	if (!/^flag\{[0-9a-f]{32}\}$/.test(flag.value || '')) throw new Error(`value ${flag.value}`);
});
let before = null;
await check("eve (red) sees the flag panel and red's score line", async () => {
	await eve.locator('#flag-panel').waitFor({ state: 'visible' });
	await redCell('score').waitFor();
	before = { score: await shown('score'), flagsNet: await shown('flagsNet') };
});
await check('a wrong flag is refused on the page', async () => {
	await eve.locator('#flag-value').fill('flag{00000000000000000000000000000000}');
	await eve.locator('#flag-submit').click();
	await eve.locator('#alert').waitFor({ state: 'visible' });
	const text = await eve.locator('#alert-text').textContent();
	if (!text.startsWith('The flag scores nothing')) throw new Error(`alert: ${text}`);
});
await check('...its answer names no flag, host, team or value', async () => {
	const text = await eve.locator('#alert-text').textContent();
	const names = ['web-root', 'db', 'flg-ro-web', 'flg-md-web', 'ro', 'md', 'Romania', 'Moldova', flag && flag.value];
	const said = names.filter((n) => n && new RegExp(`(^|\\W)${n.replace(/[{}]/g, '\\$&')}(\\W|$)`).test(text));
	if (said.length) throw new Error(`"${text}" names ${said.join(', ')}`);
});
await check("...and red's score stays", async () => {
	expect('score', await shown('score'), before.score);
	expect('flags', await shown('flagsNet'), before.flagsNet);
});
await check(`the right flag is taken: "Flag captured: +${dbPlan.points} points."`, async () => {
	await eve.locator('#flag-value').fill(flag.value);
	await eve.locator('#flag-submit').click();
	await eve.locator('#toast').filter({ hasText: `Flag captured: +${dbPlan.points} points.` }).waitFor();
	return (await eve.locator('#alert').isHidden()) && (await eve.locator('#flag-value').inputValue()) === '';
});
await check(`red's score line rises by ${dbPlan.points}, without a reload`, async () => {
	const want = before.score + dbPlan.points;
	/* The round ticks on meanwhile; red has no service, so only flags move it. */
	await eve.waitForFunction(([w]) => {
		const td = document.querySelector('#score-rows tr[data-team="red"] td[data-col="score"]');
		return td && Number(td.textContent.replace('\u2212', '-').replace(/[^0-9-]/g, '')) === w;
	}, [want]);
	expect('Flags column', await shown('flagsNet'), before.flagsNet + dbPlan.points);
});
await check('the journal has the capture, by eve for red', () => {
	const caps = journal().filter((e) => e.type === 'capture');
	expect('captures', caps.map((e) => `${e.team} ${e.by} ${e.flag} ${e.owner} ${e.points}`).join('; '),
		`red eve db ro ${dbPlan.points}`);
});
await check('ana (blue) has no flag panel', async () => {
	await pages.ana.locator('#score-rows tr[data-team="red"]').waitFor();
	return !(await pages.ana.locator('#flag-panel').isVisible());
});
await check('no page raised an error', () => {
	if (pageErrors.length) throw new Error(pageErrors.join('\n'));
});
await eve.locator('#flag-panel').screenshot({ path: join(shots, 'flags-panel.png') });
await eve.locator('#scoreboard').screenshot({ path: join(shots, 'flags-scoreboard.png') });
for (const who of Object.keys(pages))
	await pages[who].screenshot({ path: join(shots, `flags-${who}.png`), fullPage: true });
await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
