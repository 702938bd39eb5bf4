// The dashboard's VPN panel (issue 15, point 4), in headless Chromium
// (Debian's) driven by playwright-core, against a running `rangectl run`
// of the demo with a vpn: section, on libvirt's test driver.
//
// usage: node tests/browser/vpn.mjs BASE_URL STATE_DIR PLAN_JSON SCREENSHOT_DIR
//
// ana (blue, ro) and eve (red) each see the panel, download their wg-quick
// file through it (the browser's own download) and find in it a private
// key, their address from the plan (inside the pool), their team's server
// key (state/vpn.json) and endpoint (the dashboard's host, the team's
// port), and as AllowedIPs exactly the networks the plan's vpn section
// says their team reaches; then the QR code is shown. prof (an
// instructor) has no panel and the API refuses him a file.
// Prints "ok ..." or "FAIL ..." per check, "N passed, M failed".
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loginWithToken } from './login.mjs';

const [base, stateDir, planPath, shots] = process.argv.slice(2);
if (!base || !stateDir || !planPath || !shots) {
	console.error('usage: node vpn.mjs BASE_URL STATE_DIR PLAN_JSON SCREENSHOT_DIR');
	process.exit(2);
}
mkdirSync(shots, { recursive: true });
const baseUrl = base.endsWith('/') ? base : `${base}/`;
const creds = JSON.parse(readFileSync(join(stateDir, 'credentials.json'), 'utf8'));
const vpn = JSON.parse(readFileSync(planPath, 'utf8')).vpn;

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

/* An IPv4 address as a number, or NaN. */
function ipv4(s) {
	const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s || '');
	if (!m || m.slice(1).some((x) => Number(x) > 255)) return NaN;
	return m.slice(1).reduce((n, x) => n * 256 + Number(x), 0);
}
function inCidr(addr, cidr) {
	const [net, len] = cidr.split('/');
	const size = 2 ** (32 - Number(len));
	return Math.floor(ipv4(addr) / size) === Math.floor(ipv4(net) / size);
}
/* A wg-quick file's sections: { Interface: {Key: value}, Peer: {...} }. */
function parseConf(text) {
	const out = {};
	let sec = null;
	for (const raw of text.split('\n')) {
		const line = raw.trim();
		if (!line || line.startsWith('#')) continue;
		const h = /^\[(\w+)\]$/.exec(line);
		if (h) { sec = out[h[1]] = {}; continue; }
		const kv = /^(\w+)\s*=\s*(.*)$/.exec(line);
		if (!kv || !sec) throw new Error(`not wg-quick: ${line}`);
		sec[kv[1]] = kv[2];
	}
	return out;
}

const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
		'--disable-gpu', '--no-first-run', '--disable-sync'],
});
const pageErrors = [];
const pages = {};
for (const who of ['ana', 'eve', 'prof']) {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 1000 }, reducedMotion: 'reduce',
		acceptDownloads: true });
	const page = await ctx.newPage();
	page.setDefaultTimeout(15000);
	page.on('pageerror', (e) => pageErrors.push(`${who}: ${e.message}`));
	await loginWithToken(page, baseUrl, creds[who]);
	pages[who] = page;
}

/* The plan's word on who's VPN: their team's entry and their own. */
function planned(who) {
	for (const t of vpn.teams) {
		const p = t.people.find((x) => x.name === who);
		if (p) return { team: t, person: p };
	}
	throw new Error(`${who} is in no team of the plan's vpn section`);
}

const files = {};
for (const who of ['ana', 'eve']) {
	const page = pages[who];
	const { team, person } = planned(who);
	await check(`${who} (${team.team}) sees the VPN panel with her tunnel address`, async () => {
		await page.locator('#vpn').waitFor({ state: 'visible' });
		const info = await page.locator('#vpn-info').textContent();
		if (!info.includes(`Team ${team.team}`) || !info.includes(person.address))
			throw new Error(`vpn-info: ${info}`);
	});
	await check(`${who} downloads her wg-quick file through the panel`, async () => {
		const [dl] = await Promise.all([
			page.waitForEvent('download'),
			page.locator('#vpn-download').click(),
		]);
		expect('file name', dl.suggestedFilename(), `${team.interface}.conf`);
		files[who] = parseConf(readFileSync(await dl.path(), 'utf8'));
	});
	const f = () => {
		if (!files[who] || !files[who].Interface || !files[who].Peer) throw new Error('no [Interface] and [Peer]');
		return files[who];
	};
	await check(`...[Interface] PrivateKey: a WireGuard key (32 bytes, base64)`, () =>
		Buffer.from(f().Interface.PrivateKey || '', 'base64').length === 32 &&
		/^[A-Za-z0-9+/]{43}=$/.test(f().Interface.PrivateKey));
	await check(`...Address ${person.address}/32, inside the pool ${vpn.pool}`, () => {
		expect('Address', f().Interface.Address, `${person.address}/32`);
		return inCidr(person.address, vpn.pool);
	});
	await check(`...[Peer] PublicKey: ${team.team}'s server key`, () => {
		const keys = JSON.parse(readFileSync(join(stateDir, 'vpn.json'), 'utf8'));
		expect('PublicKey', f().Peer.PublicKey, keys.servers[team.team].public);
	});
	await check(`...Endpoint: the dashboard's host, port ${team.port}`, () =>
		expect('Endpoint', f().Peer.Endpoint, `${new URL(baseUrl).hostname}:${team.port}`));
	await check(`...AllowedIPs: exactly ${team.team}'s networks in the plan`, () => {
		const got = (f().Peer.AllowedIPs || '').split(',').map((s) => s.trim()).sort();
		const want = team.reaches.map((r) => r.cidr).sort();
		if (!want.length) throw new Error(`the plan gives ${team.team} no networks`);
		expect('AllowedIPs', got.join(', '), want.join(', '));
	});
	await check(`${who} sees her file as a QR code`, async () => {
		await page.locator('#vpn-qr').click();
		const img = page.locator('#vpn-qr-box svg[role="img"]');
		await img.waitFor({ state: 'visible' });
		const box = await img.boundingBox();
		if (!box || box.width < 100 || box.height < 100) throw new Error(`QR code box: ${JSON.stringify(box)}`);
		return (await page.locator('#alert').isHidden());
	});
}
await pages.ana.locator('#vpn').screenshot({ path: join(shots, 'vpn-panel.png') });

await check('the two files differ: their own keys and networks', () =>
	files.ana && files.eve && files.ana.Interface.PrivateKey !== files.eve.Interface.PrivateKey &&
	files.ana.Peer.AllowedIPs !== files.eve.Peer.AllowedIPs);
await check('prof (an instructor) has no VPN panel', async () => {
	/* The trainees' panels showed above: prof's page had as long to. */
	await pages.prof.waitForLoadState('networkidle').catch(() => {});
	return !(await pages.prof.locator('#vpn').isVisible()) &&
		(await pages.prof.locator('#vpn-download').count()) === 1 &&
		!(await pages.prof.locator('#vpn-download').isVisible());
});
await check('the API refuses prof a file: 403', async () => {
	const r = await fetch(`${baseUrl}api/v1/vpn/config`, { method: 'POST',
		headers: { Authorization: `Bearer ${creds.prof}` } });
	expect('status', r.status, 403);
});
await check('no page raised an error', () => {
	if (pageErrors.length) throw new Error(pageErrors.join('\n'));
});
for (const who of Object.keys(pages))
	await pages[who].screenshot({ path: join(shots, `vpn-${who}.png`), fullPage: true });
await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
