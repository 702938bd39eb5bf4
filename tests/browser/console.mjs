// A trainee types into the serial console of a real VM from the dashboard,
// in Debian's headless Chromium driven by playwright-core.
//
// usage: node tests/browser/console.mjs BASE_URL CREDENTIALS_JSON SCREENSHOT_DIR HOST
//
// Against `rangectl run --wait` of a range whose HOST is a running
// appliance (tests/e2e/console.sh): the trainee of HOST's team opens its
// console, a shell answers on ttyS0, and a command typed into xterm.js runs
// in the guest (its answer is computed there, so the echo of the typing
// cannot pass for it). A trainee of another team has no console button for
// HOST and the server refuses their WebSocket. Closing the dialog closes
// the console on the server. Prints "ok ..." or "FAIL ..." per check and
// ends with "N passed, M failed".
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loginWithToken } from './login.mjs';

const [base, credPath, shots, hostName] = process.argv.slice(2);
if (!base || !credPath || !shots || !hostName) {
	console.error('usage: node console.mjs BASE_URL CREDENTIALS_JSON SCREENSHOT_DIR HOST');
	process.exit(2);
}
mkdirSync(shots, { recursive: true });
const baseUrl = base.endsWith('/') ? base : `${base}/`;

let passed = 0, failed = 0;
const ok = (name) => { passed++; console.log(`ok ${name}`); };
const fail = (name, why) => {
	failed++;
	console.log(`FAIL ${name}`);
	if (why) for (const l of String(why).split('\n').slice(0, 8)) console.log(`#   ${l}`);
};
async function check(name, fn) {
	try {
		const r = await fn();
		if (r === false) fail(name);
		else ok(name);
		return true;
	} catch (e) {
		fail(name, e && e.message ? e.message : e);
		return false;
	}
}
function assert(cond, msg) {
	if (!cond) throw new Error(msg);
}
async function until(what, fn, timeout = 10000, every = 200) {
	const end = Date.now() + timeout;
	let last;
	for (;;) {
		try {
			const v = await fn();
			if (v) return v;
			last = null;
		} catch (e) {
			last = e;
		}
		if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
		await new Promise((r) => setTimeout(r, every));
	}
}
async function api(token, path) {
	const r = await fetch(new URL(`api/v1/${path}`, baseUrl), { headers: { Authorization: `Bearer ${token}` } });
	return { status: r.status, body: r.status === 200 ? await r.json() : null };
}
/* Open consoles by the server's own count (/metrics, from loopback). */
async function openConsoles() {
	const text = await (await fetch(new URL('metrics', baseUrl))).text();
	const m = /^rangectl_consoles (\d+)$/m.exec(text);
	return m ? Number(m[1]) : NaN;
}

// ---- who is who: the owner of HOST and a trainee of another team -----------
const creds = JSON.parse(readFileSync(credPath, 'utf8'));
let owner = null, stranger = null;
for (const [name, token] of Object.entries(creds)) {
	const who = await api(token, 'whoami');
	if (who.status !== 200 || who.body.role !== 'trainee') continue;
	const hosts = await api(token, 'hosts');
	const mine = (hosts.body || []).some((h) => h.name === hostName);
	if (mine && !owner) owner = { name, token, team: who.body.team };
	else if (!mine && !stranger) stranger = { name, token, team: who.body.team };
}
if (!owner || !stranger) {
	fail(`the credentials have a trainee of ${hostName}'s team and one of another team`);
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(1);
}
console.log(`# ${owner.name} (${owner.team}) owns ${hostName}; ${stranger.name} (${stranger.team}) does not`);

const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
		'--disable-gpu', '--no-first-run', '--disable-sync'],
});
const pageErrors = [];
async function newPage(label) {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
	const page = await ctx.newPage();
	page.setDefaultTimeout(10000);
	page.on('pageerror', (e) => pageErrors.push(`${label}: ${e.message}`));
	return page;
}
const login = (page, token) => loginWithToken(page, baseUrl, token);
/* What xterm.js shows, one string (its DOM renderer pads with NBSP). */
const screenText = async (page) => ((await page.locator('#term .xterm-rows').innerText()) || '')
	.replace(/\u00a0/g, ' ');

try {
	const tr = await newPage(owner.name);
	await login(tr, owner.token);
	const hostRow = tr.locator(`#host-rows tr[data-host="${hostName}"]`);

	await check(`${owner.name} sees ${hostName} running, with a console button`, async () => {
		await until(`${hostName} running`, async () => /running/.test(await hostRow.innerText()), 15000);
		assert(await hostRow.getByRole('button', { name: /console/i }).isVisible(), 'no console button');
	});

	await check('the console connects to the guest\'s serial port', async () => {
		await hostRow.getByRole('button', { name: /console/i }).click();
		await tr.locator('#console-dialog').waitFor({ state: 'visible' });
		await tr.locator('#term .xterm').waitFor({ state: 'attached' });
		const state = await until('connected', async () => {
			const s = (await tr.locator('#console-state').innerText()).trim();
			return /connecting/.test(s) ? null : s;
		}, 15000);
		assert(state === 'connected', `the console says "${state}"`);
		assert(await openConsoles() === 1, 'the server does not count one open console');
	});

	await check('a shell answers on the console (Enter gives a prompt)', async () => {
		await tr.locator('#term .xterm-helper-textarea').focus();
		await until('the prompt', async () => {
			await tr.keyboard.press('Enter');
			return (await screenText(tr)).includes(`${hostName}:/# `);
		}, 30000, 2000);
	});

	await check('a command typed into xterm.js runs in the guest and its answer comes back', async () => {
		await tr.keyboard.type('echo "$(hostname) says $((6*7))"');
		await tr.keyboard.press('Enter');
		await until('the answer', async () => (await screenText(tr)).includes(`${hostName} says 42`), 15000);
	});
	await check('Ctrl-C reaches the guest\'s shell (a foreground sleep ends at once)', async () => {
		await tr.keyboard.type('sleep 60; echo slept');
		await tr.keyboard.press('Enter');
		await new Promise((r) => setTimeout(r, 500));
		const prompts = async () => (await screenText(tr)).split(`${hostName}:/# `).length;
		const before = await prompts();
		await tr.keyboard.press('Control+C');
		await until('a new prompt', async () => await prompts() > before, 10000);
		await tr.keyboard.type('echo "after $((7*6))"');
		await tr.keyboard.press('Enter');
		await until('the shell back', async () => (await screenText(tr)).includes('after 42'), 10000);
		assert(!(await screenText(tr)).includes('\nslept'), 'the sleep ran to its end');
	});
	const path = join(shots, 'trainee-console-vm.png');
	await tr.screenshot({ path });

	await check('closing the dialog closes the console on the server', async () => {
		await tr.getByRole('button', { name: 'Close' }).click();
		await tr.locator('#console-dialog').waitFor({ state: 'hidden' });
		await until('no console open', async () => await openConsoles() === 0, 5000);
	});

	const other = await newPage(stranger.name);
	await login(other, stranger.token);
	await check(`${stranger.name} (${stranger.team}) has no row and no console for ${hostName}`, async () => {
		assert(await other.locator(`#host-rows tr[data-host="${hostName}"]`).count() === 0, 'the row is shown');
		assert(await other.getByRole('button', { name: /console/i }).count() === 0, 'a console button is shown');
	});
	await check(`the server refuses ${stranger.name}'s WebSocket to ${hostName}'s console`, async () => {
		const outcome = await other.evaluate(async ([host, token]) => {
			const url = new URL(`api/v1/hosts/${host}/console`, location.href);
			url.protocol = 'ws:';
			url.searchParams.set('token', token);
			return await new Promise((resolve) => {
				const ws = new WebSocket(url.href);
				ws.onopen = () => { ws.close(); resolve('opened'); };
				ws.onerror = () => resolve('refused');
				setTimeout(() => resolve('no answer'), 5000);
			});
		}, [hostName, stranger.token]);
		assert(outcome === 'refused', `the WebSocket was ${outcome}`);
		assert(await openConsoles() === 0, 'a console is open');
	});
	await check('no page threw an error', async () => {
		assert(pageErrors.length === 0, pageErrors.join('\n'));
	});
	if (existsSync(path)) ok(`screenshot: ${path}`);
	else fail(`screenshot: ${path}`);
} catch (e) {
	fail('the console tests ran to the end', e && e.stack ? e.stack : e);
} finally {
	await browser.close().catch(() => {});
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
