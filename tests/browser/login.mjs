/*
 * tests/browser/login.mjs: the dashboard's login with a pasted token, for
 * every browser script (the token field sits under "Use an access token
 * instead", beside the name and password that people use).
 */

/* Opens url in page and logs in with token; resolves once the dashboard shows. */
export async function loginWithToken(page, url, token) {
	await page.goto(url);
	await page.getByText('Use an access token instead').click();
	await page.getByLabel('Access token').fill(token);
	await page.getByRole('button', { name: 'Log in' }).click();
	await page.locator('#dash').waitFor({ state: 'visible' });
}
