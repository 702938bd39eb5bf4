// A trainee sees the screen of a real VM in the dashboard (noVNC), in
// Debian's headless Chromium driven by playwright-core.
//
// usage: node tests/browser/screen.mjs BASE_URL CREDENTIALS_JSON SCREENSHOT_DIR HOST
//
// Against `rangectl run --wait` of a range whose HOST is a running guest
// with a screen (tests/e2e/console.sh: the appliance, whose kernel writes
// its boot messages on the VGA console): the trainee of HOST's team opens
// its screen, noVNC connects through the server's WebSocket to the guest's
// VNC server, and the canvas shows the guest's screen (not blank: lit
// pixels, and more than one colour). A trainee of another team has no
// screen button for HOST and the server refuses their WebSocket (and its
// HTTP request, 404); an instructor is refused too (403: no watching).
// Closing the dialog closes the screen on the server. Prints "ok ..." or
// "FAIL ..." per check and ends with "N passed, M failed". With
// SCREEN_OWNER_ONLY=1 a range without another team or an instructor (a
// Debian guest's, tests/e2e/debian.yaml) is enough: the refusals are left
// out, said so. SCREEN_SHOT names the screenshot (default
// trainee-screen-vm.png).
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loginWithToken } from './login.mjs';

const [base, credPath, shots, hostName] = process.argv.slice(2);
if (!base || !credPath || !shots || !hostName) {
	console.error('usage: node screen.mjs BASE_URL CREDENTIALS_JSON SCREENSHOT_DIR HOST');
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
/* Open consoles and screens by the server's own count (/metrics, from loopback). */
async function openConsoles() {
	const text = await (await fetch(new URL('metrics', baseUrl))).text();
	const m = /^rangectl_consoles (\d+)$/m.exec(text);
	return m ? Number(m[1]) : NaN;
}

// ---- who is who: the owner of HOST, a trainee of another team, an instructor
const creds = JSON.parse(readFileSync(credPath, 'utf8'));
let owner = null, stranger = null, watcher = null;
for (const [name, token] of Object.entries(creds)) {
	const who = await api(token, 'whoami');
	if (who.status !== 200) continue;
	if (who.body.role === 'instructor' && !watcher) watcher = { name, token };
	if (who.body.role !== 'trainee') continue;
	const hosts = await api(token, 'hosts');
	const mine = (hosts.body || []).some((h) => h.name === hostName);
	if (mine && !owner) owner = { name, token, team: who.body.team };
	else if (!mine && !stranger) stranger = { name, token, team: who.body.team };
}
const ownerOnly = process.env.SCREEN_OWNER_ONLY === '1';
if (!owner || (!ownerOnly && (!stranger || !watcher))) {
	fail(`the credentials have a trainee of ${hostName}'s team, one of another team and an instructor`);
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(1);
}
console.log(`# ${owner.name} (${owner.team}) owns ${hostName}` +
	(stranger ? `; ${stranger.name} (${stranger.team}) does not` : '') + (watcher ? `; ${watcher.name} instructs` : ''));

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

/*
 * What noVNC's canvas holds: its size, how many pixels are lit (brighter
 * than the dark background) and how many distinct colours, from the page.
 */
const canvasStats = (page) => page.evaluate(() => {
	const c = document.querySelector('#screen canvas');
	if (!c || !c.width || !c.height) return null;
	const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
	const colours = new Set();
	let lit = 0;
	for (let i = 0; i < d.length; i += 4) {
		if (d[i] + d[i + 1] + d[i + 2] > 150) lit++;
		if (colours.size < 64) colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
	}
	return { width: c.width, height: c.height, lit, colours: colours.size };
});

/* A WebSocket to HOST's screen as token, from page: 'opened', 'refused' or 'no answer'. */
const tryScreen = (page, token) => page.evaluate(async ([host, tok]) => {
	const url = new URL(`api/v1/hosts/${host}/screen`, location.href);
	url.protocol = 'ws:';
	url.searchParams.set('token', tok);
	return await new Promise((resolve) => {
		const ws = new WebSocket(url.href);
		ws.onopen = () => { ws.close(); resolve('opened'); };
		ws.onerror = () => resolve('refused');
		setTimeout(() => resolve('no answer'), 5000);
	});
}, [hostName, token]);
/* The same request without the upgrade: its HTTP status, as the server refuses it. */
async function screenStatus(token) {
	const r = await fetch(new URL(`api/v1/hosts/${hostName}/screen`, baseUrl), { headers: { Authorization: `Bearer ${token}` } });
	return r.status;
}

try {
	const tr = await newPage(owner.name);
	await login(tr, owner.token);
	const hostRow = tr.locator(`#host-rows tr[data-host="${hostName}"]`);

	await check(`${owner.name} sees ${hostName} running, with a screen button`, async () => {
		await until(`${hostName} running`, async () => /running/.test(await hostRow.innerText()), 15000);
		assert(await hostRow.getByRole('button', { name: /screen/i }).isVisible(), 'no screen button');
	});

	await check('the screen connects to the guest\'s VNC server (noVNC)', async () => {
		await hostRow.getByRole('button', { name: /screen/i }).click();
		await tr.locator('#screen-dialog').waitFor({ state: 'visible' });
		const state = await until('connected', async () => {
			const s = (await tr.locator('#screen-state').innerText()).trim();
			return /connecting/.test(s) ? null : s;
		}, 20000);
		assert(state === 'connected', `the screen says "${state}"`);
		assert(await openConsoles() === 1, 'the server does not count one open screen');
	});

	let stats = null;
	await check('the canvas shows the guest\'s screen (not blank)', async () => {
		stats = await until('a screen that is not blank', async () => {
			const s = await canvasStats(tr);
			return s && s.lit > 500 && s.colours > 1 ? s : null;
		}, 30000, 500);
		console.log(`# canvas ${stats.width}x${stats.height}, ${stats.lit} lit pixels, ${stats.colours}${stats.colours >= 64 ? '+' : ''} colours`);
		/* QEMU's VGA text mode is 720x400; a guest's mode is at least 640x400. */
		assert(stats.width >= 640 && stats.height >= 400, `a ${stats.width}x${stats.height} screen`);
	});
	/* The boot messages may still scroll: let them settle for the picture. */
	await new Promise((r) => setTimeout(r, 1500));
	const path = join(shots, process.env.SCREEN_SHOT || 'trainee-screen-vm.png');
	await tr.screenshot({ path });

	await check('closing the dialog closes the screen on the server', async () => {
		await tr.locator('#screen-close').click();
		await tr.locator('#screen-dialog').waitFor({ state: 'hidden' });
		await until('no screen open', async () => await openConsoles() === 0, 5000);
	});

	if (!stranger || !watcher) {
		console.log('# no other team or no instructor in this range: their refusals left out');
	} else {
		const other = await newPage(stranger.name);
		await login(other, stranger.token);
		await check(`${stranger.name} (${stranger.team}) has no row and no screen for ${hostName}`, async () => {
			assert(await other.locator(`#host-rows tr[data-host="${hostName}"]`).count() === 0, 'the row is shown');
			assert(await other.getByRole('button', { name: /screen/i }).count() === 0, 'a screen button is shown');
		});
		await check(`the server refuses ${stranger.name}'s WebSocket to ${hostName}'s screen (404 over HTTP)`, async () => {
			const outcome = await tryScreen(other, stranger.token);
			assert(outcome === 'refused', `the WebSocket was ${outcome}`);
			const status = await screenStatus(stranger.token);
			assert(status === 404, `HTTP ${status}`);
			assert(await openConsoles() === 0, 'a screen is open');
		});
		await check(`the server refuses the instructor ${watcher.name}'s WebSocket (403: no watching)`, async () => {
			const outcome = await tryScreen(other, watcher.token);
			assert(outcome === 'refused', `the WebSocket was ${outcome}`);
			const status = await screenStatus(watcher.token);
			assert(status === 403, `HTTP ${status}`);
			assert(await openConsoles() === 0, 'a screen is open');
		});
	}
	await check('no page threw an error', async () => {
		assert(pageErrors.length === 0, pageErrors.join('\n'));
	});
	if (existsSync(path)) ok(`screenshot: ${path}`);
	else fail(`screenshot: ${path}`);
} catch (e) {
	fail('the screen tests ran to the end', e && e.stack ? e.stack : e);
} finally {
	await browser.close().catch(() => {});
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
