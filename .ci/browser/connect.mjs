// One sign-in through the example web app (examples/connect_web.rs) in headless Chromium,
// the way an end user does it: the app's start page, its link, the sandbox's sign-in page,
// a provider picked in the form, Allow or Refuse, the redirect back to the app's callback.
// Run by .ci/browser-connect, which starts the sandbox and the app.
//
//   node connect.mjs APP_URL allow PROVIDER SCREENSHOT PAGE_TEXT_OUT
//   node connect.mjs APP_URL refuse PROVIDER SCREENSHOT PAGE_TEXT_OUT
//
// Exits non-zero, saying which step failed, when the page is not what it should be.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [appUrl, decision, provider, screenshot, textOut] = process.argv.slice(2);
if (!appUrl || !['allow', 'refuse'].includes(decision) || !provider || !screenshot || !textOut) {
  console.error('usage: node connect.mjs APP_URL allow|refuse PROVIDER SCREENSHOT PAGE_TEXT_OUT');
  process.exit(2);
}

function expect(condition, what) {
  if (!condition) throw new Error(what);
}

const profile = mkdtempSync(join(tmpdir(), 'flowpayroll-chromium-'));
// A persistent context is how Playwright takes a user-data-dir: a fresh, empty one per run.
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
  viewport: { width: 720, height: 160 },
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);

  // The app's start page and its link: GET /connect answers 303 to the sandbox's page.
  let response = await page.goto(appUrl);
  expect(response?.ok(), `the app's start page ${appUrl} answered ${response?.status()}`);
  await Promise.all([page.waitForURL(/\/connect\?/), page.getByRole('link', { name: /connect/i }).click()]);
  const signIn = new URL(page.url());
  expect(signIn.origin !== new URL(appUrl).origin, `the app's link stayed on the app: ${signIn}`);
  expect(signIn.searchParams.get('state')?.length >= 22, 'the sign-in link carries no state');
  await page.getByRole('heading', { name: 'Connect your HR or payroll system' }).waitFor();
  console.log(`sign-in page: ${signIn.origin}${signIn.pathname} (client_id=${signIn.searchParams.get('client_id')})`);

  // A person picks a provider and decides.
  const picker = page.getByLabel('Provider');
  const offered = await picker.locator('option').evaluateAll((options) => options.map((o) => o.value));
  expect(offered.includes(provider), `provider ${provider} is not offered (${offered.join(' ')})`);
  const picked = await picker.selectOption(provider);
  expect(picked.length === 1 && picked[0] === provider, `provider ${provider} was not picked`);
  const label = decision === 'allow' ? 'Allow' : 'Refuse';
  await Promise.all([
    page.waitForURL(/\/callback\?/),
    page.getByRole('button', { name: label, exact: true }).click(),
  ]);
  const callback = new URL(page.url());
  expect(callback.origin === new URL(appUrl).origin, `the redirect went to ${callback.origin}, not the app`);
  console.log(`callback: ${callback.pathname} with ${[...callback.searchParams.keys()].join(', ')}`);

  const text = (await page.locator('body').innerText()).trim();
  const html = await page.content();
  writeFileSync(textOut, `${text}\n${html}\n`);
  console.log(`the app says: ${text}`);
  if (decision === 'allow') {
    expect(callback.searchParams.has('authorization_code'), 'the callback carries no authorization_code');
    expect(text.startsWith(`Connected: ${provider} (official)`), 'the page does not show the new connection');
    expect(text.includes('/2023-03-01/official/employees'), 'the page does not show the granted scope');
    expect(!/token/i.test(text), 'the page mentions a token');
    // The sandbox's access tokens are JWT-shaped (header.claims.signature, `eyJ...`).
    expect(!/eyJ[\w-]+\.[\w-]+\./.test(html) && !/eyJ[\w-]+\.[\w-]+\./.test(page.url()), 'the page carries a JWT');
  } else {
    expect(callback.searchParams.get('error') === 'access_denied', 'the callback is not error=access_denied');
    expect(!callback.searchParams.has('authorization_code'), 'a refusal carried a code');
    expect(text.startsWith('Not connected:') && /refused/i.test(text), 'the page does not show the refusal');
  }
  await page.screenshot({ path: screenshot });
  console.log(`screenshot: ${screenshot}`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
