// A screenshot of a page in Debian's headless Chromium (playwright-core).
//
// usage: node tests/browser/snapshot.mjs URL TOKEN OUT.png [SELECTOR]
//
// With a TOKEN, logs in to rangectl's dashboard at URL first and waits for
// the scoreboard; with an empty one, opens URL as it is (a file:// report,
// say). Takes a full-page screenshot into OUT.png, or of the element
// SELECTOR picks when given (a report's section); exits 1 on failure.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { loginWithToken } from './login.mjs';

const [url, token, out, selector] = process.argv.slice(2);
if (!url || token === undefined || !out) {
	console.error('usage: node snapshot.mjs URL TOKEN OUT.png');
	process.exit(2);
}
mkdirSync(dirname(out), { recursive: true });
const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
		'--disable-gpu', '--no-first-run', '--disable-sync'],
});
let rc = 0;
try {
	const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, reducedMotion: 'reduce' });
	const page = await ctx.newPage();
	page.setDefaultTimeout(15000);
	if (token) {
		await loginWithToken(page, url, token);
		await page.locator('#score-rows tr').first().waitFor({ state: 'visible' });
		await page.waitForTimeout(1000); /* the chart and the live state settle */
	} else {
		await page.goto(url);
	}
	if (selector) await page.locator(selector).screenshot({ path: out });
	else await page.screenshot({ path: out, fullPage: true });
	console.log(`screenshot: ${out}`);
} catch (e) {
	console.error(`snapshot of ${url}: ${e && e.message ? e.message : e}`);
	rc = 1;
} finally {
	await browser.close().catch(() => {});
}
process.exit(rc);
